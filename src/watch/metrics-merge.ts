import { escapeLabelValue } from './metrics.ts';

/**
 * One exposition (Prometheus text format 0.0.4) for watchers of several tenants in one process (`watch --tenants`):
 * each family's HELP and TYPE once, then every tenant's samples with a `tenant` label first. Pure text in, text out,
 * so that every watcher keeps its own metrics object.
 */
export function mergeTenantExpositions(parts: readonly { readonly tenant: string; readonly text: string }[]): string {
  const order: string[] = [];
  const families = new Map<string, { header: string[]; samples: string[] }>();
  for (const part of parts) {
    let family: { header: string[]; samples: string[] } | undefined;
    for (const line of part.text.split('\n')) {
      if (line === '') continue;
      const comment = /^# (HELP|TYPE) (\S+)/u.exec(line);
      if (comment) {
        const name = comment[2] as string;
        if (!families.has(name)) {
          families.set(name, { header: [], samples: [] });
          order.push(name);
        }
        family = families.get(name);
        // HELP and TYPE once: from the first part that has the family.
        if (family !== undefined && family.header.length < 2 && !family.header.some((h) => h.startsWith(`# ${comment[1] ?? ''} `))) family.header.push(line);
        continue;
      }
      const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (.+)$/u.exec(line);
      if (!sample || !family) continue;
      const [, name, labels, value] = sample;
      const tenant = `tenant="${escapeLabelValue(part.tenant)}"`;
      family.samples.push(`${name ?? ''}{${labels === undefined || labels === '' ? tenant : `${tenant},${labels}`}} ${value ?? ''}`);
    }
  }
  return `${order.map((name) => { const f = families.get(name); return [...(f?.header ?? []), ...(f?.samples ?? [])].join('\n'); }).join('\n')}\n`;
}
