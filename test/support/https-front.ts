/**
 * A TLS-terminating reverse proxy in front of the (plain-http) emulator, so that @azure/identity
 * and MSAL, which refuse http authorities, can run end to end against it. It serves what MSAL
 * fetches before the token request, the tenant's OpenID Connect discovery document
 * (`/{tenant}/v2.0/.well-known/openid-configuration`; instance discovery is off for a non-Microsoft
 * authority host), forwards everything else, and rewrites the emulator's own origin in answers
 * (nextLinks) to its own, as a reverse proxy's URL rewriting would. The certificate is made at
 * start-up with `selfsigned` and is its own CA: trust it through NODE_EXTRA_CA_CERTS.
 */
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

export interface HttpsFront {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  /** The self-signed certificate, PEM: the CA to trust. */
  readonly caPem: string;
  /** Paths requested, in order. */
  readonly paths: string[];
  close(): Promise<void>;
}

/** Microsoft Entra's discovery document, reduced to what MSAL checks (`isOpenIdConfigResponse`) plus the usual fields. */
export function openIdConfiguration(base: string, tenant: string): Record<string, unknown> {
  return {
    issuer: `${base}/${tenant}/v2.0`,
    authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
    jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
    end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    tenant_region_scope: null,
    cloud_instance_name: 'microsoftonline.com',
  };
}

export async function startHttpsFront(target: string): Promise<HttpsFront> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  const targetUrl = new URL(target);
  const paths: string[] = [];
  let origin = '';
  const server = createServer({ key: pems.private, cert: pems.cert }, (request, response) => {
    const path = request.url ?? '/';
    paths.push(path);
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/u.exec(path.split('?')[0] ?? '');
    if (discovery && request.method === 'GET') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(openIdConfiguration(origin, discovery[1] ?? '')));
      return;
    }
    const upstream = httpRequest({ host: targetUrl.hostname, port: targetUrl.port, method: request.method, path, headers: { ...request.headers, host: targetUrl.host } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').split(targetUrl.origin).join(origin);
        const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) };
        delete headers['transfer-encoding'];
        response.writeHead(answer.statusCode ?? 502, headers);
        response.end(body);
      });
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  // Never close an idle keep-alive connection from this side: a client whose event loop was busy
  // (this very process, or a child under CPU load) may send its next request on it just as the
  // server's idle timer fires, and gets ECONNRESET. Clients close idle connections themselves,
  // and close() ends them all.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    caPem: pems.cert,
    paths,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
