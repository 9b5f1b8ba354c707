import type { Diagnostic } from './diagnostics.ts';
import type { PrincipalDraft } from './planner.ts';
import { describeSku } from './sku-catalog.ts';
import type { TenantIndex } from './tenant-index.ts';

/**
 * Seats across the whole plan, per SKU: free = prepaidUnits.enabled − consumedUnits, minus the
 * licenses restores bring back (they return even without free seats: a warning). New assignments beyond that are dropped, in UPN order, with an error naming the
 * SKU, what is needed and what is available (docs/reconciliation.md §5, seat-shortfall).
 */
export function applySeats(drafts: PrincipalDraft[], index: TenantIndex, diagnostics: Diagnostic[]): void {
  const free = new Map<string, number>();
  for (const [skuId, sku] of index.skusById) free.set(skuId, sku.enabledUnits - sku.consumedUnits);
  const restored = new Map<string, number>();
  for (const draft of drafts) {
    for (const skuId of draft.restore?.details.licenses ?? []) restored.set(skuId, (restored.get(skuId) ?? 0) + 1);
    // Seats that pruning frees are not counted: apply runs principals concurrently, so an assignment may
    // come before the removal. They are free for the next plan.
  }
  for (const [skuId, count] of [...restored].sort()) {
    const before = free.get(skuId) ?? 0;
    const after = before - count;
    free.set(skuId, after);
    if (after < 0) {
      diagnostics.push({
        severity: 'warning',
        code: 'seat-shortfall',
        message: `restores bring back ${count} ${describeSku(nameOf(index, skuId))} license${count === 1 ? '' : 's'} with ${Math.max(0, before)} seat${before === 1 ? '' : 's'} free: the tenant will use ${-after} more than it has bought until seats are added or licenses removed`,
      });
    }
  }
  const needed = new Map<string, PrincipalDraft[]>();
  for (const draft of drafts) {
    for (const license of draft.add) {
      if (license.replaces) continue; // a new set of disabled plans on a held SKU needs no seat
      const list = needed.get(license.skuId) ?? [];
      list.push(draft);
      needed.set(license.skuId, list);
    }
  }
  for (const [skuId, wanting] of [...needed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const available = Math.max(0, free.get(skuId) ?? 0);
    if (wanting.length <= available) continue;
    const left = wanting.slice(available);
    const name = describeSku(nameOf(index, skuId));
    for (const draft of left) {
      draft.add = draft.add.filter((l) => l.skuId !== skuId || l.replaces !== undefined);
      // The principal's other changes still apply; only this license waits for a seat.
      diagnostics.push({ severity: 'warning', code: 'seat-shortfall', userPrincipalName: draft.principal.userPrincipalName, message: `will not get ${name}: no seat left for it in this plan` });
    }
    diagnostics.push({
      severity: 'error',
      code: 'seat-shortfall',
      message: `${name}: ${plural(wanting.length, 'seat')} needed, ${available} available; not assigned to ${left.map((d) => d.principal.userPrincipalName).join(', ')}. Buy ${wanting.length - available} more, or free some`,
    });
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function nameOf(index: TenantIndex, skuId: string): string {
  return index.skusById.get(skuId)?.skuPartNumber ?? skuId;
}
