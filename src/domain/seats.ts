import type { Diagnostic } from './diagnostics.ts';
import type { PlannedMembership, PrincipalDraft } from './draft.ts';
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
  // A new membership takes a seat of each SKU its group assigns that the user does not hold yet.
  const skuIds = new Set<string>();
  for (const draft of drafts) {
    for (const license of draft.add) if (!license.replaces) skuIds.add(license.skuId); // a new set of disabled plans on a held SKU needs no seat
    for (const membership of draft.join) for (const skuId of membership.seats) skuIds.add(skuId);
  }
  for (const skuId of [...skuIds].sort()) {
    // Asked per SKU in turn, so that a membership dropped for one SKU no longer asks for the others.
    const wanting = wantingSeat(drafts, skuId);
    const available = Math.max(0, free.get(skuId) ?? 0);
    if (wanting.length <= available) continue;
    const left = wanting.slice(available);
    const name = describeSku(nameOf(index, skuId));
    for (const { draft, direct, memberships } of left) {
      const upn = draft.principal.userPrincipalName;
      // The principal's other changes still apply; only this license (and the memberships that give it) wait for a seat.
      for (const membership of memberships) {
        draft.join = draft.join.filter((m) => m !== membership);
        diagnostics.push({ severity: 'warning', code: 'seat-shortfall', userPrincipalName: upn, message: `will not join the group "${membership.change.details.groupName}": no seat of ${name} left for it in this plan` });
      }
      if (direct) {
        draft.add = draft.add.filter((l) => l.skuId !== skuId || l.replaces !== undefined);
        diagnostics.push({ severity: 'warning', code: 'seat-shortfall', userPrincipalName: upn, message: `will not get ${name}: no seat left for it in this plan` });
      }
    }
    diagnostics.push({
      severity: 'error',
      code: 'seat-shortfall',
      message: `${name}: ${plural(wanting.length, 'seat')} needed, ${available} available; not assigned to ${left.map((w) => w.draft.principal.userPrincipalName).join(', ')}. Buy ${wanting.length - available} more, or free some`,
    });
  }
}

/**
 * Who asks for a seat of this SKU, in plan order, each principal once (one user takes one seat of a SKU
 * however many assignments give it): by a direct assignment, and by the memberships of groups that assign it.
 */
function wantingSeat(drafts: readonly PrincipalDraft[], skuId: string): { readonly draft: PrincipalDraft; readonly direct: boolean; readonly memberships: readonly PlannedMembership[] }[] {
  const wanting: { draft: PrincipalDraft; direct: boolean; memberships: PlannedMembership[] }[] = [];
  for (const draft of drafts) {
    const direct = draft.add.some((l) => l.skuId === skuId && !l.replaces);
    const memberships = draft.join.filter((m) => m.seats.includes(skuId));
    if (direct || memberships.length > 0) wanting.push({ draft, direct, memberships });
  }
  return wanting;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function nameOf(index: TenantIndex, skuId: string): string {
  return index.skusById.get(skuId)?.skuPartNumber ?? skuId;
}
