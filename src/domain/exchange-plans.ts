/**
 * Exchange Online service plans that grant a mailbox. One list, shared by the planner and the
 * emulator (docs/graph-behaviour.md §8, "Exchange Online mailbox plans"): the four commercial plans and the
 * government and legacy ones. EXCHANGE_S_FOUNDATION, archive and analytics plans do not grant one.
 */
const EXCHANGE_MAILBOX_PLANS: ReadonlyMap<string, string> = new Map([
  ['9aaf7827-d63c-4b61-89c3-182f06f82e5c', 'EXCHANGE_S_STANDARD'],
  ['efb87545-963c-4e0d-99df-69c6916d9eb0', 'EXCHANGE_S_ENTERPRISE'],
  ['4a82b400-a79f-41a4-b4e2-e94f5787b113', 'EXCHANGE_S_DESKLESS'],
  ['1126bef5-da20-4f07-b45e-ad25d2581aa8', 'EXCHANGE_S_ESSENTIALS'],
  ['e9b4930a-925f-45e2-ac2a-3f7788ca6fdd', 'EXCHANGE_S_STANDARD_GOV'],
  ['8c3069c0-ccdb-44be-ab77-986203a67df2', 'EXCHANGE_S_ENTERPRISE_GOV'],
  ['88f4d7ef-a73b-4246-8047-516022144c9f', 'EXCHANGE_S_DESKLESS_GOV'],
  ['fc52cc4b-ed7d-472d-bbe7-b081c23ecc56', 'EXCHANGE_S_STANDARD_MIDMARKET'],
  ['d42bdbd6-c335-4231-ab3d-c8f348d5aff5', 'EXCHANGE_L_STANDARD'],
  ['90927877-dcff-4af6-b346-2332c0b15bb7', 'EXCHANGE_B_STANDARD'],
]);

export function isExchangeMailboxPlan(servicePlanId: string): boolean {
  // Graph writes ids in lower case: try as given first (hot: every plan of every user is asked about).
  return EXCHANGE_MAILBOX_PLANS.has(servicePlanId) || EXCHANGE_MAILBOX_PLANS.has(servicePlanId.toLowerCase());
}

/**
 * Whether a user's plans hold a removed (Deleted) Exchange mailbox plan: only such a user has a mailbox history to
 * tell (docs/graph-behaviour.md §8), so only such a user's plans are read by default (ReadTenantRequest.planHistory).
 */
export function holdsRemovedMailboxPlan(plans: readonly { readonly capabilityStatus: string; readonly servicePlanId: string }[]): boolean {
  return plans.some((p) => p.capabilityStatus === 'Deleted' && isExchangeMailboxPlan(p.servicePlanId));
}
