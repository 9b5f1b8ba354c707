/**
 * A token endpoint failure before it is put in Entra's error shape (src/emulator/identity/auth.ts `errorBody`):
 * {error, error_description: "AADSTSn: …\r\nTrace ID: …", error_codes, timestamp, trace_id, correlation_id, error_uri}.
 * AADSTS codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes.
 */
export interface StsFailure {
  readonly status: 400 | 401;
  /** RFC 6749 §5.2 error, or Entra's own (`invalid_tenant`, `invalid_resource`). */
  readonly error: string;
  readonly code: number;
  readonly text: string;
  /** Entra's answer carries `error_uri` (its error lookup page knows the code); false for the emulator's own errors. */
  readonly lookup: boolean;
}

export function failure(status: 400 | 401, error: string, code: number, text: string, lookup = true): StsFailure {
  return { status, error, code, text, lookup };
}

/** Echoes a request value into an error text: printable, at most 200 characters, `[redacted]` when it holds a secret. */
export type Echo = (value: string) => string;
