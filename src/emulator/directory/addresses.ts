/**
 * Which names and addresses a directory object holds, as the emulator reads Microsoft Entra's
 * uniqueness rules. This is the emulator's own reading: the planner has its own (src/domain), and if
 * both were one function a misreading of Graph would pass every test (docs/architecture.md §3).
 *
 * - **userPrincipalName**: unique among users (only users have one), compared case-insensitively.
 *   Only an active user holds it: a soft-deleted user's UPN gets its id as a prefix, which frees
 *   the original for a new user (docs/graph-behaviour.md §1, §5). The UPN is not an email address
 *   here: it becomes one only when Exchange makes it the user's `mail` (see the store).
 * - **SMTP addresses**: `mail`, and each `proxyAddresses` entry of type SMTP. The type prefix is
 *   case-insensitive and its case only marks the primary address (`SMTP:`) against the secondary ones
 *   (`smtp:`); Graph's user resource page writes them `"SMTP: bob@contoso.com"`, with a space, so
 *   spaces around the address are ignored. SMTP addresses are compared case-insensitively, are unique
 *   across users, groups and contacts, and a soft-deleted user keeps its own for its 30 days
 *   (docs/graph-behaviour.md §4, §5; https://learn.microsoft.com/graph/api/resources/user). Entra's
 *   page on duplicate attributes names the two unique values, UserPrincipalName and SMTP ProxyAddress:
 *   they "are generally required to be unique across all User, Group, or Contact objects", and "Only
 *   Users can have UPNs" (https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-syncservice-duplicate-attribute-resiliency).
 * - **Other proxy addresses** (`SIP:`, `X500:`, `SPO:` …) are held as their whole value, type
 *   included: `SIP:bob@contoso.com` does not hold the SMTP address `bob@contoso.com`.
 * - A new user also claims `mailNickname@<domain>` for each verified domain: the addresses Exchange
 *   would give its mailbox (docs/graph-behaviour.md §5, emulator contract).
 */

/** A proxy address type prefix, as Exchange writes them: letters and digits, then `:`. */
const PROXY_TYPE = /^\s*([A-Za-z0-9]+):(.*)$/su;

/** How two UPNs are compared: without regard to case. */
export function userPrincipalNameKey(userPrincipalName: string): string {
  return userPrincipalName.toLowerCase();
}

/** An SMTP address as it is compared: without surrounding spaces, without regard to case. */
export function smtpAddressKey(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * A `proxyAddresses` entry as it is compared: an SMTP entry (`SMTP:`, `smtp:`, any case) as its
 * address, any other type as `type:address` in lower case. An entry without a type is read as an
 * SMTP address.
 */
export function proxyAddressKey(entry: string): string {
  const typed = PROXY_TYPE.exec(entry);
  if (!typed) return smtpAddressKey(entry);
  const type = (typed[1] ?? '').toLowerCase();
  const address = smtpAddressKey(typed[2] ?? '');
  return type === 'smtp' ? address : `${type}:${address}`;
}

/** Every address a user holds (active) or keeps reserved (soft-deleted): its mail and its proxy addresses, once each. */
export function reservedAddressKeys(user: { readonly mail: string | null; readonly proxyAddresses: readonly string[] }): string[] {
  const keys = user.proxyAddresses.map(proxyAddressKey);
  if (user.mail !== null && user.mail.trim() !== '') keys.push(smtpAddressKey(user.mail));
  return [...new Set(keys)];
}

/** The addresses a mail nickname claims: `nickname@domain` for each verified domain. */
export function nicknameAddressKeys(mailNickname: string, domains: readonly string[]): string[] {
  return domains.map((domain) => smtpAddressKey(`${mailNickname}@${domain}`));
}

/**
 * Which users (active or deleted) reserve each address key: a soft-deleted user keeps its addresses, so a new
 * user cannot take them and a restore may find them taken (docs/graph-behaviour.md §5).
 */
export class AddressBook {
  private readonly owners = new Map<string, Set<string>>();

  /** Whether any user reserves the key. */
  isTaken(key: string): boolean {
    return (this.owners.get(key)?.size ?? 0) > 0;
  }

  /** The ids reserving the key. */
  ownersOf(key: string): ReadonlySet<string> {
    return this.owners.get(key) ?? new Set();
  }

  reserve(user: { readonly id: string; readonly mail: string | null; readonly proxyAddresses: readonly string[] }): void {
    for (const key of reservedAddressKeys(user)) {
      const owners = this.owners.get(key) ?? new Set<string>();
      owners.add(user.id);
      this.owners.set(key, owners);
    }
  }

  release(user: { readonly id: string; readonly mail: string | null; readonly proxyAddresses: readonly string[] }): void {
    for (const key of reservedAddressKeys(user)) {
      const owners = this.owners.get(key);
      owners?.delete(user.id);
      if (owners?.size === 0) this.owners.delete(key);
    }
  }
}
