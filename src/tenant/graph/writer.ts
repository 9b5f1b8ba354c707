import type { NewUserInput, TenantWriter } from '../port.ts';
import type { GraphHttp } from './client.ts';
import { GraphResponseError } from './errors.ts';

/**
 * The port's writes as Graph calls (PRODUCT.md §2 table). Which ones are safe to repeat after a lost
 * answer decides their retries: PATCH and assignLicense are (re-adding a held SKU replaces it in
 * place, removing an absent one is a no-op; BEHAVIOUR.md §6); restore and create are not (a second
 * restore finds nothing to restore, a second create conflicts), so they are retried only on 429/503.
 */
function userPath(principal: string): string {
  return `/users/${encodeURIComponent(principal)}`;
}

export function createGraphWriter(http: GraphHttp): TenantWriter {
  return {
    async restoreDeletedUser(objectId, options) {
      // Raw JSON: the SDKs' typed restore has no body (BEHAVIOUR.md §2).
      const body = { autoReconcileProxyConflict: options.autoReconcileProxyConflict, ...(options.newUserPrincipalName === undefined ? {} : { newUserPrincipalName: options.newUserPrincipalName }) };
      await http.post(`/directory/deletedItems/${encodeURIComponent(objectId)}/restore`, body, { idempotent: false });
    },

    async createUser(input: NewUserInput) {
      const body = {
        accountEnabled: input.accountEnabled,
        displayName: input.displayName,
        mailNickname: input.mailNickname,
        userPrincipalName: input.userPrincipalName,
        ...(input.usageLocation === undefined ? {} : { usageLocation: input.usageLocation }),
        passwordProfile: { password: input.password, forceChangePasswordNextSignIn: true },
      };
      const created = await http.post<{ id?: unknown } | undefined>('/users', body, { idempotent: false });
      if (typeof created?.id !== 'string') throw new GraphResponseError(`Creating ${input.userPrincipalName} answered without the new user's id.`);
      return { objectId: created.id.toLowerCase() };
    },

    async setUsageLocation(principal, usageLocation) {
      await http.patch(userPath(principal), { usageLocation });
    },

    async assignLicenses(principal, add, remove) {
      // Both arrays always, and disabledPlans always (BEHAVIOUR.md §6, "Client").
      const body = { addLicenses: add.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans] })), removeLicenses: [...remove] };
      await http.post(`${userPath(principal)}/assignLicense`, body, { idempotent: true });
    },

    async setAccountEnabled(principal, enabled) {
      await http.patch(userPath(principal), { accountEnabled: enabled });
    },
  };
}
