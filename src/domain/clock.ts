/** Date arithmetic for the planner, on times passed in (the planner never reads the clock). */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Entra keeps soft-deleted users, and Exchange keeps a mailbox after its license is removed, 30 days. */
export const RETENTION_DAYS = 30;

/** A restore this close to the deadline is warned about (docs/reconciliation.md §3, restore-window-closing). */
export const WINDOW_CLOSING_DAYS = 7;

/** A time in milliseconds, or undefined when the text is not one (the planner is total: bad data is never a crash). */
export function timeOf(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 - 40 * DAY_MS ? ms : undefined;
}

/** `iso` plus whole days; a time that is not one is returned as given. */
export function addDays(iso: string, days: number): string {
  const ms = timeOf(iso);
  return ms === undefined ? iso : new Date(ms + days * DAY_MS).toISOString().replace('.000Z', 'Z');
}

/** Whole days from `now` to `deadline` (rounded down; negative when past; 0 when either is not a time). */
export function daysBetween(now: string, deadline: string): number {
  const from = timeOf(now);
  const to = timeOf(deadline);
  return from === undefined || to === undefined ? 0 : Math.floor((to - from) / DAY_MS);
}

/** `2026-12-10`: the date part, for sentences. */
export function dateOf(iso: string): string {
  return iso.slice(0, 10);
}
