import type { DesiredWatch } from './desired.ts';
import type { Change, ChangeAction } from './plan.ts';
import { groupByPrincipal } from './principal-changes.ts';
import { normaliseUserPrincipalName } from './upn.ts';

/**
 * Which of a plan's changes `tenantctl watch` applies by itself (the policy's `watch.heal`) and which it
 * only reports. Pure: no I/O, no clock. The rate limit on top of this is src/watch/breaker.ts.
 */

/**
 * Healed when the policy does not say: the actions that bring back what the merged policy already declares
 * and take nothing away. A restore brings the object back with its id, licenses and mailbox; licenses and
 * the usage location they need give back what the policy lists; a shared mailbox's sign-in is blocked again.
 * In ACTION_ORDER.
 */
export const DEFAULT_HEAL_ACTIONS: readonly ChangeAction[] = ['restore-user', 'set-usage-location', 'assign-licenses', 'block-sign-in'];

/** The breaker's default: more heals than this within any 60 minutes stop healing (docs/policy-reference.md, `watch`). */
export const DEFAULT_MAX_CHANGES_PER_HOUR = 60;
/** The bounds of `watch.maxChangesPerHour`, as the schema gives them. */
export const MAX_CHANGES_PER_HOUR_BOUNDS = { min: 1, max: 10_000 } as const;

export const DEFAULT_WATCH: DesiredWatch = { heal: DEFAULT_HEAL_ACTIONS, maxChangesPerHour: DEFAULT_MAX_CHANGES_PER_HOUR };

const EXISTS: readonly ChangeAction[] = ['restore-user', 'create-user'];
const GIVES: readonly ChangeAction[] = ['assign-licenses', 'add-group-member'];

/**
 * What a change needs done before it, among the same principal's changes, when the plan has them:
 * everything needs the object to exist (its restore or create); licenses need the usage location;
 * taking a license or membership away waits for what replaces it, so that nobody is left with neither.
 */
export const NEEDS: Readonly<Record<ChangeAction, readonly ChangeAction[]>> = {
  'restore-user': [],
  'create-user': [],
  'update-attributes': EXISTS,
  'set-manager': EXISTS,
  'set-usage-location': EXISTS,
  'assign-licenses': [...EXISTS, 'set-usage-location'],
  'add-group-member': EXISTS,
  'remove-licenses': [...EXISTS, ...GIVES],
  'remove-group-member': [...EXISTS, ...GIVES],
  'enable-sign-in': EXISTS,
  'block-sign-in': EXISTS,
};

export interface HealSelection {
  /** Applied without a person; in the order of the input. */
  readonly heal: readonly Change[];
  /** Left for a person (`plan` and `apply`); in the order of the input. */
  readonly report: readonly Change[];
  /** Why each reported change is not healed, in words for the log. */
  readonly reasons: ReadonlyMap<Change, string>;
}

/**
 * Splits a plan's changes into those watch heals and those it reports. A change heals when its action is
 * in `watch.heal`, with three rules on top, so that no principal is left half-changed:
 * - a principal whose allowed change needs one of its own changes that is not allowed (licenses for a user
 *   that would first have to be created, with `create-user` not allowed) is reported whole;
 * - `set-usage-location` heals only together with the `assign-licenses` it is planned for (the planner
 *   plans one for no other reason); without one, it is reported;
 * - a principal whose healed `set-manager` names a manager the same changes restore or create, and that
 *   restore or create is reported, is reported whole (its manager would not exist).
 */
export function selectHeals(changes: readonly Change[], watch: Pick<DesiredWatch, 'heal'>): HealSelection {
  const allowed = new Set<ChangeAction>(watch.heal);
  const groups = groupByPrincipal(changes).map((group) => ({ key: normaliseUserPrincipalName(group.userPrincipalName), changes: group.changes }));
  /** Why a change of a principal that is not reported whole is reported. */
  const ownReasons = new Map<Change, string>();
  const healed = new Set<Change>();
  /** Principals reported whole, and why. */
  const whole = new Map<string, string>();

  for (const { key, changes: own } of groups) {
    const blocker = own
      .filter((c) => allowed.has(c.action))
      .flatMap((c) => own.filter((needed) => NEEDS[c.action].includes(needed.action) && !allowed.has(needed.action)).map((needed) => [c, needed] as const))[0];
    if (blocker) {
      const [change, needed] = blocker;
      whole.set(key, `its ${change.action} needs its ${needed.action}, which watch.heal does not allow; the principal is left for a person, not half-changed`);
      continue;
    }
    const licensed = own.some((c) => c.action === 'assign-licenses' && allowed.has(c.action));
    for (const change of own) {
      if (!allowed.has(change.action)) ownReasons.set(change, `watch.heal does not allow ${change.action}`);
      else if (change.action === 'set-usage-location' && !licensed) ownReasons.set(change, 'set-usage-location heals only with the assign-licenses it is planned for');
      else healed.add(change);
    }
  }

  // A healed set-manager whose manager's restore or create is not healed: its principal is reported whole,
  // which may leave another principal's manager unrestored in turn; repeat until nothing changes.
  const byKey = new Map(groups.map((group) => [group.key, group.changes]));
  for (let again = true; again; ) {
    again = false;
    for (const { key, changes: own } of groups) {
      if (whole.has(key)) continue;
      for (const change of own) {
        if (change.action !== 'set-manager' || !healed.has(change) || change.details.to === null) continue;
        const manager = normaliseUserPrincipalName(change.details.to);
        const missing = (byKey.get(manager) ?? []).find((c) => EXISTS.includes(c.action) && !healed.has(c));
        if (!missing) continue;
        whole.set(key, `its manager ${change.details.to} needs a ${missing.action} that is not healed; the principal is left for a person, not half-changed`);
        for (const c of own) healed.delete(c);
        again = true;
        break;
      }
    }
  }

  const heal = changes.filter((c) => healed.has(c));
  const report = changes.filter((c) => !healed.has(c));
  const reasons = new Map<Change, string>(report.map((c) => [c, whole.get(normaliseUserPrincipalName(c.userPrincipalName)) ?? ownReasons.get(c) ?? '']));
  return { heal, report, reasons };
}
