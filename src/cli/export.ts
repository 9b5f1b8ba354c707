import { stat } from 'node:fs/promises';
import path from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { EXPORTED_ATTRIBUTES, exportPolicy, mailboxCandidates, PEOPLE_FILE, PUBLISHED_SCHEMA_URL, SCHEMA_PACKAGE_PATH, TENANT_FILE } from '../policy/export.ts';
import type { TenantReader } from '../tenant/port.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { checkOutputDirectory, writeFilesAtomically } from './output-path.ts';

export interface ExportCommandOptions {
  /** The directory to write into (default policies.exported/). */
  readonly out?: string;
  readonly force: boolean;
}

export const DEFAULT_EXPORT_DIRECTORY = 'policies.exported/';

/**
 * `tenantctl export [--out DIR] [--force]`: writes a policy describing today's tenant (adoption),
 * one that validate accepts and plan against the same tenant finds converged.
 */
export async function runExportCommand(options: ExportCommandOptions, io: CliIo, tenant: TenantReader): Promise<Outcome> {
  const outDir = options.out ?? DEFAULT_EXPORT_DIRECTORY;
  const directory = path.resolve(io.cwd, outDir);
  // Refuse before reading the tenant: a refusal should cost no Graph requests.
  const names = [TENANT_FILE, PEOPLE_FILE];
  // A directory that cannot be made or written, or a link (or directory) where a file goes.
  const problem = await checkOutputDirectory(outDir, io.cwd, names);
  if (problem !== undefined) {
    io.stderr.write(`tenantctl: --out: ${problem}. Nothing was read from the tenant.\n`);
    return { kind: 'invalid-input' };
  }
  const existing = (await Promise.all(names.map(async (name) => ((await exists(path.join(directory, name))) ? name : undefined)))).filter((n) => n !== undefined);
  if (existing.length > 0 && !options.force) {
    io.stderr.write(`tenantctl: ${outDir} already holds ${existing.join(', ')}; refusing to overwrite (use --force, or another --out)\n`);
    return { kind: 'usage-error' };
  }

  // Two reads, deliberately. Which accounts are mailboxes is known only from Exchange's
  // mailboxSettings, which the port reads only for UPNs named up front; asking for every account
  // would cost one request per user (20 per $batch: 500 $batch calls at 10,000 users). A shared,
  // room or equipment mailbox needs no license, a person's mailbox comes with one: the first read
  // (no mailboxes) names the candidates, blocked accounts and enabled ones without an Exchange
  // Online plan (mailboxCandidates), and the second asks only about those. The second read repeats
  // the bulk user read (pages of 999: about 11 requests at 10,000 users), which is cheap next to the
  // mailbox reads, and it makes users and mailboxes one consistent snapshot. No candidate: no second
  // read. Every attribute a policy may declare, each user's manager and every user's plans, in the same bulk pages.
  const everything = { attributes: EXPORTED_ATTRIBUTES, managers: true, planHistory: 'all' } as const;
  const first = await tenant.readTenant({ mailboxUserPrincipalNames: [], ...everything });
  const candidates = mailboxCandidates(first.users);
  const observed = candidates.length > 0 ? await tenant.readTenant({ mailboxUserPrincipalNames: candidates, ...everything }) : first;

  const result = exportPolicy(observed, { schemaReference: await schemaReference(directory, io.cwd) });
  // Each file to a temporary one beside it, then renamed: never through a link, never half written.
  await writeFilesAtomically(outDir, io.cwd, result.files);
  if (result.skipped.length > 0) {
    const shown = result.skipped.slice(0, 10).map((s) => `  ${s.userPrincipalName}: ${s.reason}\n`).join('');
    const more = result.skipped.length > 10 ? `  … and ${result.skipped.length - 10} more\n` : '';
    io.stderr.write(`Skipped ${result.skipped.length} account${result.skipped.length === 1 ? '' : 's'} the policy cannot declare:\n${shown}${more}`);
  }
  // Each finding on stderr, whole: a reviewer must see every account the next plan would change.
  for (const finding of result.findings) io.stderr.write(`${finding.message}\n`);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const blocks = result.findings.filter((f) => f.planChanges).length;
  const review =
    blocks === 0
      ? ''
      : ` ${blocks === 1 ? '1 shared mailbox has' : `${blocks} shared mailboxes have`} sign-in enabled: the next plan blocks ${blocks === 1 ? 'it' : 'them'}; review before applying (listed above).`;
  io.stdout.write(
    `Exported ${plural(result.users, 'user')}, ${plural(result.mailboxes, 'mailbox').replace('mailboxs', 'mailboxes')}, ${plural(result.licenseSets, 'license set')} to ${outDir} (${result.files.map((f) => f.name).join(', ')}).${review}\n`,
  );
  return { kind: 'success' };
}

/**
 * What the exported files' `$schema` comment points at, for an editor (nothing reads it at run time):
 * the schema installed with the package under the working directory (node_modules/tenantctl/…),
 * relative to the output directory, as the README's example does; else, when tenantctl is not
 * installed there (npx, a global install), this version's schema on unpkg, which works from anywhere.
 */
export async function schemaReference(directory: string, cwd: string): Promise<string> {
  const installed = path.join(path.resolve(cwd), 'node_modules', packageJson.name, ...SCHEMA_PACKAGE_PATH.split('/'));
  if (await exists(installed)) return path.relative(directory, installed).split(path.sep).join('/');
  return PUBLISHED_SCHEMA_URL;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
