/**
 * Removes credentials from text that may reach a log, a terminal or an error report (docs/cli-reference.md §11:
 * nothing tenantctl prints ever holds a token or secret). Applied to every message a Graph or credential error
 * carries, so a server that echoes a header, or a library that puts a token into its message,
 * cannot leak it through us.
 */
const REDACTED = '[redacted]';

const PATTERNS: readonly (readonly [RegExp, string])[] = [
  // An Authorization header or field, whatever its scheme: `Authorization: Bearer x`, `"authorization":"Basic y"`.
  [/(authorization["']?\s*[:=]\s*["']?)(?:[A-Za-z]+\s+)?[^\s"',;}]+/giu, `$1${REDACTED}`],
  // A bearer credential anywhere (RFC 6750 §2.1 b64token).
  [/\bbearer\s+[A-Za-z0-9\-._~+/]+=*/giu, `Bearer ${REDACTED}`],
  // A JWT (access, ID or client-assertion token): three base64url parts, the first a JSON header.
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/gu, REDACTED],
  // Form or JSON fields that carry secrets, also as JSON quoted inside a string (`\"password\":\"…\"`).
  [/\b(client_secret|client_assertion|access_token|refresh_token|id_token|password|passwordProfile|secret)((?:\\?["'])?\s*[:=]\s*(?:\\?["'])?)[^&\s"'\\,}]+/giu, `$1$2${REDACTED}`],
  // Microsoft Entra client secret values (40 characters with `Q~` after a 3-character prefix and a digit).
  [/\b[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_.~-]{31,34}/gu, REDACTED],
];

/** `text` without tokens, secrets and Authorization values; `secrets` are removed verbatim too. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
  return result;
}
