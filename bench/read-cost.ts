/**
 * What declaring attributes and managers costs the bulk read (issue 13): the bytes of one page of
 * 999 users as tenantctl asks for it, without and with the declared attributes in `$select` and
 * `$expand=manager($select=id)`. The tenant is synthetic (2,000 users, 20 SKUs), with every user's
 * profile filled in as a real directory's would be (job title, department, office, names, phones,
 * employee id, …) and a manager: the worst case for the payload. The emulator runs in its own
 * process (emulator-process.ts), from a seed file.
 *
 *   node bench/read-cost.ts          # prints one JSON line per query (bench/RESULTS.md, issue 13)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ATTRIBUTE_NAMES } from '../src/domain/attributes.ts';
import { generateSyntheticSeed, parseSyntheticSpec } from '../src/emulator/synthetic/synthetic.ts';
import { USER_SELECT } from '../src/tenant/graph/mapping.ts';
import { spawnEmulator } from './emulator-process.ts';

const SEED = 7;
const seed = generateSyntheticSeed(parseSyntheticSpec(`users=2000,deleted=0,skus=20,seed=${SEED}`));
const users = seed.users.map((user, i) => {
  const [givenName = 'Alex', surname = 'Jansen'] = user.displayName.split(' ');
  return {
    ...user,
    givenName,
    surname,
    jobTitle: 'Senior Financial Analyst',
    department: 'Finance and Control',
    companyName: 'Contoso Nederland B.V.',
    officeLocation: 'Amsterdam HQ, floor 4',
    employeeId: `E${String(100000 + i)}`,
    employeeType: 'Employee',
    city: 'Amsterdam',
    country: 'Netherlands',
    mobilePhone: '+31 6 1234 5678',
    businessPhones: ['+31 20 555 0100'],
    // Everyone but the first reports to the one before: every user has a manager.
    ...(i === 0 ? {} : { manager: seed.users[i - 1]?.id }),
  };
});
const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-read-cost-'));
const file = path.join(dir, 'seed.json');
writeFileSync(file, JSON.stringify({ ...seed, users }));
const emulator = await spawnEmulator(['--seed', file]);
try {
  const { url, clientId } = emulator;
  const tokenResponse = await fetch(`${url}/${seed.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    // The synthetic tenant's documented local test credential (src/emulator/synthetic/synthetic.ts).
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: `synthetic-secret-${SEED}`, scope: 'https://graph.microsoft.com/.default' }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const others = ATTRIBUTE_NAMES.filter((name) => name !== 'displayName');
  const queries: readonly [string, string][] = [
    ['what the planner always reads (a policy that declares no attribute or manager)', `$select=${USER_SELECT.join(',')}`],
    ['+ 3 declared attributes (jobTitle, department, officeLocation)', `$select=${[...USER_SELECT, 'jobTitle', 'department', 'officeLocation'].join(',')}`],
    ['+ all 12 other attributes', `$select=${[...USER_SELECT, ...others].join(',')}`],
    ['+ all 12 and managers', `$select=${[...USER_SELECT, ...others].join(',')}&$expand=manager($select=id)`],
  ];
  let base: number | undefined;
  for (const [name, query] of queries) {
    const response = await fetch(`${url}/v1.0/users?$top=999&${query}`, { headers: { Authorization: `Bearer ${token}` } });
    const bytes = (await response.arrayBuffer()).byteLength;
    base ??= bytes;
    console.log(JSON.stringify({ query: name, status: response.status, pageBytes: bytes, ratio: Number((bytes / base).toFixed(3)) }));
  }
} finally {
  emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
