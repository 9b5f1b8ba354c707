import type { ObservedSku } from '../domain/observed.ts';
import { findCatalogServicePlan, findCatalogSkus } from '../domain/sku-catalog.ts';

/**
 * The names `tenantctl export` gives the license sets it writes (docs/cli-reference.md §5): per SKU, the
 * most used variant takes the part number's slug, and every other one says which plans it disables
 * (`enterprisepack-no-sway-yammer`), always within the schema's 64 characters. Pure; used by export.ts.
 */

/** Ordinal order of two strings (the order export writes everything in). */
export function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The longest license-set name the schema accepts (its licenseSetName pattern: a letter, then up to 63). */
const MAX_SET_NAME = 64;

/** lower case, `-` for anything the set-name pattern refuses, a letter first, at most 56 characters (room for a suffix). */
function slug(partNumber: string): string {
  const base = partNumber.toLowerCase().replace(/[^a-z0-9_-]+/gu, '-').replace(/^-+|-+$/gu, '');
  return (/^[a-z]/u.test(base) ? base : `sku-${base}`).slice(0, 56);
}

/** How a disabled plan is written: by name when the shipped catalog knows the name (validate checks it), else by id when it knows the id. */
export function planReference(sku: ObservedSku, planId: string): string {
  const name = sku.servicePlans.find((p) => p.servicePlanId.toLowerCase() === planId)?.servicePlanName;
  if (name === undefined) return planId;
  const catalog = findCatalogSkus(sku.skuPartNumber);
  if (catalog.length === 0 || catalog.some((c) => findCatalogServicePlan(c, name) !== undefined)) return name;
  return catalog.some((c) => findCatalogServicePlan(c, planId) !== undefined) ? planId : name;
}

export interface Variant {
  readonly key: string;
  readonly sku: ObservedSku | undefined;
  readonly skuId: string;
  readonly disabledPlans: readonly string[];
  uses: number;
  name?: string;
}

/** Words a service plan's name carries that say nothing about what it is: edition, plan level, `S`. */
const FILLER_WORD = /^(?:s|o365|m365|enterprise|plan\d*|[pef]\d|\d+)$/u;

/**
 * A disabled plan's word in a set name: its name lower-cased, filler words dropped and a trailing
 * number cut (YAMMER_ENTERPRISE → yammer, FORMS_PLAN_E3 → forms, TEAMS1 → teams, BPOS_S_TODO_2 →
 * bpos_todo); the whole name lower-cased when two of the SKU's plans would get the same word; the
 * id's first 8 digits when the SKU does not name the plan.
 */
function planWords(sku: ObservedSku | undefined): (planId: string) => string {
  const short = (name: string): string => {
    const words = name.toLowerCase().split(/[^a-z0-9]+/u).filter((w) => w !== '');
    const kept = words.filter((w) => !FILLER_WORD.test(w)).map((w) => w.replace(/^([a-z]{3,})\d+$/u, '$1'));
    return (kept.length > 0 ? kept : words).join('_');
  };
  const names = new Map((sku?.servicePlans ?? []).map((p) => [p.servicePlanId.toLowerCase(), p.servicePlanName]));
  const counts = new Map<string, number>();
  for (const name of names.values()) counts.set(short(name), (counts.get(short(name)) ?? 0) + 1);
  return (planId) => {
    const name = names.get(planId);
    if (name === undefined) return `plan_${planId.replace(/[^0-9a-f]/gu, '').slice(0, 8)}`;
    const word = short(name);
    return (counts.get(word) ?? 0) > 1 ? name.toLowerCase().replace(/[^a-z0-9_]+/gu, '_') : word;
  };
}

/**
 * What a variant's name says: `-no-` and the plans it disables (as many as fit, then `-and-N-more`), or
 * `-all-plans`; always within MAX_SET_NAME. A long part number gives up characters (down to
 * MIN_BASE) before a plan's name is left out.
 */
function describedName(base: string, words: readonly string[]): string {
  const fits = (suffix: string): string | undefined => {
    const room = MAX_SET_NAME - suffix.length;
    if (base.length <= room) return `${base}${suffix}`;
    if (room < Math.min(MIN_BASE, base.length)) return undefined;
    return `${base.slice(0, room).replace(/[-_]+$/u, '')}${suffix}`;
  };
  const last = (suffix: string): string => `${base.slice(0, MAX_SET_NAME - suffix.length).replace(/[-_]+$/u, '')}${suffix}`;
  if (words.length === 0) return last('-all-plans');
  for (let shown = words.length; shown > 0; shown--) {
    const name = fits(`-no-${words.slice(0, shown).join('-')}${shown === words.length ? '' : `-and-${words.length - shown}-more`}`);
    if (name !== undefined) return name;
  }
  return last(`-no-${words.length}-plans`);
}

/** The part of a part number's slug a variant's name keeps, at least, before it leaves out plan names. */
const MIN_BASE = 24;

/**
 * Names the license sets, deterministically: per SKU (by part number), the most used variant (ties:
 * fewer disabled plans, then by plan ids) gets the part number's slug; every other one says which
 * plans it disables (describedName, words sorted). A numbered suffix (-2, -3, …) only where a name is
 * taken (two SKUs with one part number, two variants cut to the same `-and-N-more`). Returns the
 * variants in naming order, each with its name set.
 */
export function licenseSetNames(variants: Iterable<Variant>): Variant[] {
  const partOf = (v: Variant): string => v.sku?.skuPartNumber.toLowerCase() ?? v.skuId;
  const ordered = [...variants].sort(
    (a, b) => byKey(partOf(a), partOf(b)) || byKey(a.skuId, b.skuId) || b.uses - a.uses || a.disabledPlans.length - b.disabledPlans.length || byKey(a.key, b.key),
  );
  const taken = new Set<string>();
  const claim = (wanted: string): string => {
    let name = wanted;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${wanted.slice(0, MAX_SET_NAME - String(n).length - 1)}-${n}`;
    taken.add(name.toLowerCase());
    return name;
  };
  const wordsOf = new Map<string, (planId: string) => string>();
  let previousSku: string | undefined;
  for (const variant of ordered) {
    const base = slug(variant.sku?.skuPartNumber ?? variant.skuId);
    const first = variant.skuId !== previousSku;
    previousSku = variant.skuId;
    if (first) {
      variant.name = claim(base);
      continue;
    }
    let words = wordsOf.get(variant.skuId);
    if (words === undefined) wordsOf.set(variant.skuId, (words = planWords(variant.sku)));
    variant.name = claim(describedName(base, variant.disabledPlans.map(words).sort(byKey)));
  }
  return ordered;
}
