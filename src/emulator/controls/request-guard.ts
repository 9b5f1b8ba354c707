/**
 * Who may talk to the emulator. It listens on 127.0.0.1 only, but a web page in the developer's
 * browser can still reach it: by DNS rebinding (a name of the page's own that now resolves to
 * 127.0.0.1, so the browser treats the emulator as the page's origin and lets it read the answers)
 * or by a cross-site "simple" request (a form or `fetch` POST with a `text/plain` body, which
 * needs no CORS preflight). These checks refuse both:
 *
 * - every route (Graph, token endpoint, controls): the `Host` header must name the address the
 *   emulator listens on, `127.0.0.1:PORT` or `localhost:PORT`; a rebound name is refused;
 * - the controls under `/_emulator/` (unauthenticated): no `Origin` header (Node's `fetch` sends
 *   none, a browser sends one on every cross-origin request and every POST), no `Sec-Fetch-Site`
 *   other than `same-origin` or `none`, and a body only as `Content-Type: application/json`, a type
 *   a browser cannot send cross-site without a preflight the emulator never answers.
 *
 * Pure functions of the request's headers, checked before the body is read.
 */

/** Why a request is refused: its status and a JSON error `{error: {code, message}}`. */
export interface Refusal {
  readonly status: 403 | 415;
  readonly code: string;
  readonly message: string;
}

type Headers = Readonly<Record<string, string | undefined>>;

/** The `Host` values accepted for an emulator listening on 127.0.0.1:`port`. */
export function allowedHosts(port: number): string[] {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  // A client leaves out the default port.
  return port === 80 ? [...hosts, '127.0.0.1', 'localhost'] : hosts;
}

/** Refuses a `Host` header that is not the emulator's own loopback address (DNS rebinding). */
export function checkHost(headers: Headers, port: number): Refusal | undefined {
  const host = (headers.host ?? '').trim().toLowerCase();
  const allowed = allowedHosts(port);
  if (allowed.includes(host)) return undefined;
  const shown = headers.host === undefined ? 'no Host header' : `Host ${JSON.stringify(headers.host.slice(0, 200))}`;
  return {
    status: 403,
    code: 'ForbiddenHost',
    message: `The emulator answers only requests addressed to it: ${shown} is not one of ${allowed.join(', ')}. (A browser page could otherwise reach it through DNS rebinding.)`,
  };
}

/** Whether the request carries a body, judged from its headers (HTTP/1.1 framing). */
export function hasBody(headers: Headers): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = Number(headers['content-length'] ?? '0');
  return !Number.isFinite(length) || length > 0;
}

/**
 * Refuses a control request (`/_emulator/*`) that a browser page could have sent: one with an
 * `Origin` header or a cross-site `Sec-Fetch-Site` (403), or with a body or `Content-Type` that is
 * not `application/json` (415).
 */
export function checkControl(headers: Headers): Refusal | undefined {
  const origin = headers.origin;
  if (origin !== undefined) {
    return {
      status: 403,
      code: 'ForbiddenOrigin',
      message: `The emulator's controls refuse requests from web pages: this one carries Origin ${JSON.stringify(origin.slice(0, 200))}. Call them from a program (Node's fetch sends no Origin).`,
    };
  }
  const site = headers['sec-fetch-site']?.trim().toLowerCase();
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return {
      status: 403,
      code: 'ForbiddenOrigin',
      message: `The emulator's controls refuse requests from web pages: this one carries Sec-Fetch-Site ${JSON.stringify(site.slice(0, 50))}.`,
    };
  }
  const contentType = headers['content-type'];
  if (contentType === undefined && !hasBody(headers)) return undefined;
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json') {
    return {
      status: 415,
      code: 'UnsupportedMediaType',
      message: `The emulator's controls take a body only as Content-Type: application/json; this request has ${contentType === undefined ? 'a body and no Content-Type' : `Content-Type ${JSON.stringify(contentType.slice(0, 100))}`}.`,
    };
  }
  return undefined;
}
