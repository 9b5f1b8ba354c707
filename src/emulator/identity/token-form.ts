/** Reading the token endpoint's request (application/x-www-form-urlencoded, RFC 6749 §4.4). */

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The token request's form; Entra also takes client credentials as HTTP Basic (RFC 6749 §2.3.1). */
export function tokenForm(bodyText: string, authorization: string | undefined): URLSearchParams {
  const form = new URLSearchParams(bodyText);
  const basic = /^Basic\s+(.+)$/iu.exec(authorization ?? '');
  if (basic && !form.has('client_id')) {
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      form.set('client_id', safeDecode(decoded.slice(0, colon)));
      form.set('client_secret', safeDecode(decoded.slice(colon + 1)));
    }
  }
  return form;
}

