/**
 * Emulator throughput: serve 100,000 users as $top=999 pages with 15 selected properties, and
 * measure the emulator's own CPU per page (it runs as a separate process, as in every later
 * benchmark). Target (issue 3): well under a second of emulator CPU per page of ~1,000 users.
 *
 *   npm run bench:emulator            # or: node bench/emulator-paging.ts [users]
 */
import { spawnEmulator } from './emulator-process.ts';

const users = Number(process.argv[2] ?? 100_000);
const SELECT = 'id,userPrincipalName,displayName,givenName,surname,mail,mailNickname,accountEnabled,usageLocation,proxyAddresses,onPremisesSyncEnabled,userType,assignedLicenses,licenseAssignmentStates,assignedPlans';

interface Health {
  readonly tenantId: string;
  readonly process: { cpuUserMs: number; cpuSystemMs: number; rssBytes: number };
}

const started = performance.now();
const emulator = await spawnEmulator(['--synthetic', `users=${users},deleted=5000,skus=20,seed=7`]);
const { url, clientId } = emulator;
const startupMs = performance.now() - started;

try {
  const health = async (): Promise<Health> => (await (await fetch(`${url}/_emulator/health`)).json()) as Health;
  const before = await health();
  const tokenResponse = await fetch(`${url}/${before.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    // The synthetic tenant's documented local test credential (src/emulator/synthetic/synthetic.ts).
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'synthetic-secret-7', scope: 'https://graph.microsoft.com/.default' }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };

  const cpuBefore = (await health()).process;
  const wallStart = performance.now();
  let next: string | undefined = `${url}/v1.0/users?$top=999&$select=${SELECT}`;
  let pages = 0;
  let seen = 0;
  let bytes = 0;
  while (next) {
    const response = await fetch(next, { headers: { Authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`page ${pages}: HTTP ${response.status} ${await response.text()}`);
    const text = await response.text();
    bytes += text.length;
    const page = JSON.parse(text) as { value: unknown[]; '@odata.nextLink'?: string };
    seen += page.value.length;
    pages++;
    next = page['@odata.nextLink'];
  }
  const wallMs = performance.now() - wallStart;
  const cpuAfter = (await health()).process;
  const cpuMs = cpuAfter.cpuUserMs + cpuAfter.cpuSystemMs - cpuBefore.cpuUserMs - cpuBefore.cpuSystemMs;
  const result = {
    users: seen,
    pages,
    emulatorStartupMs: Math.round(startupMs),
    wallMs: Math.round(wallMs),
    emulatorCpuMs: Math.round(cpuMs),
    emulatorCpuMsPerPage: Number((cpuMs / pages).toFixed(1)),
    emulatorCpuMsPer1000Users: Number(((cpuMs / seen) * 1000).toFixed(1)),
    megabytesServed: Number((bytes / 1e6).toFixed(1)),
    emulatorRssMiB: Math.round(cpuAfter.rssBytes / 2 ** 20),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  emulator.stop();
}
