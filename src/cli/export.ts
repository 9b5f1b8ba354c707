import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EXPORTED_ATTRIBUTES, exportPolicy, PEOPLE_FILE, TENANT_FILE } from '../policy/export.ts';
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
  // would cost one request per user (20 per $batch: 500 $batch calls at 10,000 users). Shared, room
  // and equipment mailboxes' accounts are blocked, so the first read (no mailboxes) names the
  // blocked accounts and the second asks only about those. The second read repeats the bulk user
  // read (pages of 999: about 11 requests at 10,000 users), which is cheap next to the mailbox reads,
  // and it makes users and mailboxes one consistent snapshot. No blocked account: no second read.
  // Every attribute a policy may declare, and each user's manager, in the same bulk pages.
  const everything = { attributes: EXPORTED_ATTRIBUTES, managers: true } as const;
  const first = await tenant.readTenant({ mailboxUserPrincipalNames: [], ...everything });
  const blocked = first.users.filter((u) => !u.accountEnabled).map((u) => u.userPrincipalName.toLowerCase());
  const observed = blocked.length > 0 ? await tenant.readTenant({ mailboxUserPrincipalNames: blocked, ...everything }) : first;

  const result = exportPolicy(observed);
  // Each file to a temporary one beside it, then renamed: never through a link, never half written.
  await writeFilesAtomically(outDir, io.cwd, result.files);
  if (result.skipped.length > 0) {
    const shown = result.skipped.slice(0, 10).map((s) => `  ${s.userPrincipalName}: ${s.reason}\n`).join('');
    const more = result.skipped.length > 10 ? `  … and ${result.skipped.length - 10} more\n` : '';
    io.stderr.write(`Skipped ${result.skipped.length} account${result.skipped.length === 1 ? '' : 's'} the policy cannot declare:\n${shown}${more}`);
  }
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  io.stdout.write(
    `Exported ${plural(result.users, 'user')}, ${plural(result.mailboxes, 'mailbox').replace('mailboxs', 'mailboxes')}, ${plural(result.licenseSets, 'license set')} to ${outDir} (${result.files.map((f) => f.name).join(', ')}).\n`,
  );
  return { kind: 'success' };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
