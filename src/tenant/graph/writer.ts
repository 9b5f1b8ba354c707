import type { NewUserInput, TenantWriter, WriteReceipt } from '../port.ts';
import type { WriteAnswer, WriteBatcher } from './write-batch.ts';
import { GraphResponseError } from './errors.ts';

/**
 * The port's writes as Graph calls (docs/reconciliation.md §4, the table of changes). Which ones are safe to repeat after a lost
 * answer decides their retries: PATCH and assignLicense are (re-adding a held SKU replaces it in
 * place, removing an absent one is a no-op; docs/graph-behaviour.md §6); restore and create are not (a second
 * restore finds nothing to restore, a second create conflicts), so they are retried only on 429/503.
 */
function userPath(principal: string): string {
  return `/users/${encodeURIComponent(principal)}`;
}

/** The port's answer to a write: the request id Graph answered it with (write-batch.ts). */
function receipt(answer: WriteAnswer): WriteReceipt {
  return { requestId: answer.requestId };
}

/** Every write goes through `$batch`, up to 20 at a time (write-batch.ts). */
export function createGraphWriter(batcher: WriteBatcher): TenantWriter {
  return {
    async restoreDeletedUser(objectId, options) {
      // Raw JSON: the SDKs' typed restore has no body (docs/graph-behaviour.md §2).
      const body = { autoReconcileProxyConflict: options.autoReconcileProxyConflict, ...(options.newUserPrincipalName === undefined ? {} : { newUserPrincipalName: options.newUserPrincipalName }) };
      return receipt(await batcher.submit({ method: 'POST', url: `/directory/deletedItems/${encodeURIComponent(objectId)}/restore`, body, idempotent: false }));
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
      const answer = await batcher.submit({ method: 'POST', url: '/users', body, idempotent: false });
      const created = answer.body as { id?: unknown } | undefined;
      if (typeof created?.id !== 'string') throw new GraphResponseError(`Creating ${input.userPrincipalName} answered without the new user's id.`);
      return { objectId: created.id.toLowerCase(), ...receipt(answer) };
    },

    async setUsageLocation(principal, usageLocation) {
      return receipt(await batcher.submit({ method: 'PATCH', url: userPath(principal), body: { usageLocation }, idempotent: true }));
    },

    async assignLicenses(principal, add, remove) {
      // Both arrays always, and disabledPlans always (docs/graph-behaviour.md §6, "Client").
      const body = { addLicenses: add.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans] })), removeLicenses: [...remove] };
      return receipt(await batcher.submit({ method: 'POST', url: `${userPath(principal)}/assignLicense`, body, idempotent: true }));
    },

    async setAccountEnabled(principal, enabled) {
      return receipt(await batcher.submit({ method: 'PATCH', url: userPath(principal), body: { accountEnabled: enabled }, idempotent: true }));
    },
  };
}
