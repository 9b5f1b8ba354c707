import { isIP } from 'node:net';

/**
 * Microsoft Graph and Microsoft Entra endpoints per cloud (`--cloud`).
 *
 * Source: "Microsoft Graph national cloud deployments", https://learn.microsoft.com/graph/deployments
 * (`microsoftgraph/microsoft-graph-docs-contrib` `concepts/deployments.md`): Entra ID endpoints
 * login.microsoftonline.com (global), login.microsoftonline.us (US Government, both L4 and L5),
 * login.chinacloudapi.cn (21Vianet); Graph service roots graph.microsoft.com, graph.microsoft.us
 * (US Government L4: GCC High), dod-graph.microsoft.us (US Government L5: DoD) and
 * microsoftgraph.chinacloudapi.cn. Scopes must use the national Graph host
 * (https://learn.microsoft.com/graph/sdks/national-clouds, "Permission scopes").
 */
export type CloudName = 'global' | 'usgov' | 'usgov-dod' | 'china';

export interface Cloud {
  readonly name: CloudName;
  /** Graph's service root, without the version. */
  readonly graphUrl: string;
  /** Microsoft Entra's login host (MSAL's authority host). */
  readonly authorityHost: string;
  /** The client-credentials scope: `<graph host>/.default`. */
  readonly graphScope: string;
}

function cloud(name: CloudName, graphUrl: string, authorityHost: string): Cloud {
  return Object.freeze({ name, graphUrl, authorityHost, graphScope: `${graphUrl}/.default` });
}

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = Object.freeze({
  global: cloud('global', 'https://graph.microsoft.com', 'https://login.microsoftonline.com'),
  usgov: cloud('usgov', 'https://graph.microsoft.us', 'https://login.microsoftonline.us'),
  'usgov-dod': cloud('usgov-dod', 'https://dod-graph.microsoft.us', 'https://login.microsoftonline.us'),
  china: cloud('china', 'https://microsoftgraph.chinacloudapi.cn', 'https://login.chinacloudapi.cn'),
});

export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];

/** A connection setting that cannot work (unknown cloud, plain-http Graph URL off this machine, …). */
export class ConnectionConfigurationError extends Error {
  override readonly name = 'ConnectionConfigurationError';
}

export function parseCloud(text: string): Cloud {
  const found = CLOUDS[text.trim().toLowerCase() as CloudName] as Cloud | undefined;
  if (!found) throw new ConnectionConfigurationError(`Unknown cloud '${text}': use one of ${CLOUD_NAMES.join(', ')}.`);
  return found;
}

/** 127.0.0.0/8, ::1 (also as `[::1]`, or IPv4-mapped) and `localhost` (with subdomains, RFC 6761 §6.3). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/u, '$1').replace(/\.$/u, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    // The URL parser compresses IPv6 (0:0:0:0:0:0:0:1 → ::1, ::ffff:127.0.0.1 → ::ffff:7f00:1).
    const normal = new URL(`http://[${host}]/`).hostname;
    return normal === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/u.test(normal);
  }
  return false;
}

export interface GraphEndpoint {
  readonly cloud: Cloud;
  /** Graph's origin: what the client calls, with `/v1.0` added. */
  readonly graphUrl: URL;
  /** A Graph on this machine (the emulator): tokens come from its own token endpoint unless an authority host is set. */
  readonly loopback: boolean;
}

/**
 * Where Graph is: `--graph-url` / `TENANTCTL_GRAPH_URL`, else the cloud's. A plain-http URL is
 * allowed only on a loopback address, so a token never crosses a network in clear text.
 */
export function resolveGraphEndpoint(options: { cloud?: string | undefined; graphUrl?: string | undefined }): GraphEndpoint {
  const raw = options.graphUrl?.trim();
  const named = options.cloud === undefined || options.cloud.trim() === '' ? undefined : parseCloud(options.cloud);
  if (raw === undefined || raw === '') {
    const chosen = named ?? CLOUDS.global;
    return { cloud: chosen, graphUrl: new URL(chosen.graphUrl), loopback: false };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConnectionConfigurationError(`The Graph URL '${raw}' is not a URL: give e.g. https://graph.microsoft.com or http://127.0.0.1:4010.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConnectionConfigurationError(`The Graph URL must be https:// (or http:// on this machine), not ${url.protocol}`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') throw new ConnectionConfigurationError('The Graph URL must be an origin (scheme, host and port) without credentials, query or fragment.');
  if (!['/', '/v1.0', '/v1.0/'].includes(url.pathname)) throw new ConnectionConfigurationError(`The Graph URL must be Graph's root, e.g. ${url.origin}, not ${url.pathname}.`);
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:' && !loopback) {
    throw new ConnectionConfigurationError(`Refusing plain http:// for ${url.host}: the access token would cross the network unencrypted. Use https://, or http:// only on a loopback address (127.0.0.1, localhost, [::1]).`);
  }
  const byHost = Object.values(CLOUDS).find((c) => new URL(c.graphUrl).host === url.host);
  if (named && byHost && byHost !== named) throw new ConnectionConfigurationError(`${url.origin} is the ${byHost.name} cloud's Graph, but the cloud is ${named.name}: pass --cloud ${byHost.name}.`);
  return { cloud: named ?? byHost ?? CLOUDS.global, graphUrl: new URL(url.origin), loopback };
}
