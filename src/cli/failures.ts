// The error modules alone, not the adapter's index: that would load the Graph SDK and @azure/identity at start-up.
import { ConnectionConfigurationError } from '../tenant/graph/clouds.ts';
import { AuthenticationError, CredentialConfigurationError, GraphRequestError, GraphResponseError } from '../tenant/graph/errors.ts';

/**
 * Environment and Graph failures, said plainly (they are not bugs); undefined for anything else.
 * The errors' own messages are redacted at the edge: no token or secret reaches here.
 */
export function describeFailure(error: unknown): string | undefined {
  if (error instanceof ConnectionConfigurationError || error instanceof CredentialConfigurationError) return error.message;
  if (error instanceof AuthenticationError) return `cannot sign in: ${error.message}`;
  if (error instanceof GraphRequestError || error instanceof GraphResponseError) return `Microsoft Graph failed: ${error.message}`;
  return undefined;
}
