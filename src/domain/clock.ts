/** Date arithmetic for the planner, on times passed in (the planner never reads the clock). */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Entra keeps soft-deleted users, and Exchange keeps a mailbox after its license is removed, 30 days. */
export const RETENTION_DAYS = 30;

/** A restore this close to the deadline is warned about (PRODUCT.md §2, restore-window-closing). */
export const WINDOW_CLOSING_DAYS = 7;

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString().replace('.000Z', 'Z');
}

/** Whole days from `now` to `deadline` (rounded down; negative when past). */
export function daysBetween(now: string, deadline: string): number {
  return Math.floor((Date.parse(deadline) - Date.parse(now)) / DAY_MS);
}

/** `2026-12-10`: the date part, for sentences. */
export function dateOf(iso: string): string {
  return iso.slice(0, 10);
}
