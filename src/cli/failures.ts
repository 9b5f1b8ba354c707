// The error modules alone, not the adapter's index: that would load the Graph SDK and @azure/identity at start-up.
import { TenantError } from '../tenant/errors.ts';
import { ConnectionConfigurationError } from '../tenant/graph/clouds.ts';
import { AuthenticationError, CredentialConfigurationError, GraphResponseError } from '../tenant/graph/errors.ts';
import { OutputPathError } from './output-path.ts';

/**
 * Environment and tenant failures, said plainly (they are not bugs); undefined for anything else.
 * A failed tenant call is the port's `TenantError` from whichever adapter (the Graph adapter's
 * `GraphRequestError` is one); an answer Graph sent that cannot be read is a `GraphResponseError`.
 * The errors' own messages are redacted at the edge: no token or secret reaches here. A file the
 * command was asked to write that cannot be written is an `OutputPathError` (src/cli/output-path.ts),
 * whose message names the path and the reason.
 */
export function describeFailure(error: unknown): string | undefined {
  if (error instanceof ConnectionConfigurationError || error instanceof CredentialConfigurationError) return error.message;
  if (error instanceof OutputPathError) return error.message;
  if (error instanceof AuthenticationError) return `cannot sign in: ${error.message}`;
  if (error instanceof TenantError || error instanceof GraphResponseError) return `Microsoft Graph failed: ${error.message}`;
  return undefined;
}
