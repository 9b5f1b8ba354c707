import type { DeclaredAttributes } from '../../domain/attributes.ts';
import { ATTRIBUTE_NAMES } from '../../domain/attributes.ts';
import type { NewUserInput, TenantWriter, WriteReceipt } from '../port.ts';
import type { WriteAnswer, WriteBatcher, WriteRequest } from './write-batch.ts';
import { GraphRequestError, GraphResponseError } from './errors.ts';

/**
 * The port's writes as Graph calls (docs/reconciliation.md §4, the table of changes). Which ones are safe to repeat after a lost
 * answer decides their retries: PATCH and assignLicense are (re-adding a held SKU replaces it in
 * place, removing an absent one is a no-op; docs/graph-behaviour.md §6), and so are the references
 * (manager and group members): setting one again sets it again, and the answers a repeat gets once the
 * first went through (a member already, 404 for a reference already gone) are read as done. Restore and
 * create are not (a second restore finds nothing to restore, a second create conflicts), so they are
 * retried only on 429/503.
 */
function userPath(principal: string): string {
  return `/users/${encodeURIComponent(principal)}`;
}

/** Graph's answer to adding a member twice (400 Request_BadRequest): the member is there, so the write is done. */
const ALREADY_MEMBER = /One or more added object references already exist/iu;

/** The declared attributes as Graph's JSON, in ATTRIBUTE_NAMES order: exactly the given keys, null unsets one. */
function attributeBody(attributes: DeclaredAttributes | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of ATTRIBUTE_NAMES) {
    const value = attributes?.[name];
    if (value === undefined) continue;
    // A collection is emptied with [], not null (Graph refuses null for Collection(Edm.String)).
    body[name] = Array.isArray(value) ? [...(value as readonly string[])] : value === null && name === 'businessPhones' ? [] : value;
  }
  return body;
}

export interface GraphWriterOptions {
  /**
   * Graph's service root with the version, for the `@odata.id` of a reference: the cloud's Graph
   * (clouds.ts), e.g. `https://graph.microsoft.com/v1.0`, also when the requests go to another origin.
   */
  readonly graphBase: string;
}

/** The port's answer to a write: the request id Graph answered it with (write-batch.ts). */
function receipt(answer: WriteAnswer): WriteReceipt {
  return { requestId: answer.requestId };
}

/** Every write goes through `$batch`, up to 20 at a time (write-batch.ts). */
export function createGraphWriter(batcher: WriteBatcher, options: GraphWriterOptions): TenantWriter {
  const reference = (kind: 'users' | 'directoryObjects', id: string): { '@odata.id': string } => ({ '@odata.id': `${options.graphBase}/${kind}/${encodeURIComponent(id)}` });

  /** A write whose failure `done` tells is already carried out: its answer's request id is the receipt. */
  async function submitOrDone(request: WriteRequest, done: (error: GraphRequestError) => boolean): Promise<WriteReceipt> {
    try {
      return receipt(await batcher.submit(request));
    } catch (error) {
      if (error instanceof GraphRequestError && done(error)) return { requestId: error.requestId };
      throw error;
    }
  }
  /**
   * A 404 to removing a reference means the reference is gone (done) — unless it names the object the
   * reference hangs on (`Resource '<group id>' does not exist …`): then that object is missing, a failure.
   */
  const referenceGone = (owner: string) => (error: GraphRequestError): boolean => error.status === 404 && !error.message.toLowerCase().includes(`'${owner.toLowerCase()}'`);

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
        // displayName is above; a null (unset) attribute is not sent: a new user has none.
        ...Object.fromEntries(Object.entries(attributeBody(input.attributes)).filter(([name, value]) => name !== 'displayName' && value !== null)),
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

    async updateAttributes(principal, attributes) {
      const body = attributeBody(attributes);
      if (Object.keys(body).length === 0) throw new RangeError(`updateAttributes(${principal}) was given no attribute to set.`);
      return receipt(await batcher.submit({ method: 'PATCH', url: userPath(principal), body, idempotent: true }));
    },

    async setManager(principal, managerId) {
      const url = `${userPath(principal)}/manager/$ref`;
      if (managerId === null) return submitOrDone({ method: 'DELETE', url, body: undefined, idempotent: true }, referenceGone(principal));
      return receipt(await batcher.submit({ method: 'PUT', url, body: reference('users', managerId), idempotent: true }));
    },

    async addGroupMember(groupId, userId) {
      const request: WriteRequest = { method: 'POST', url: `/groups/${encodeURIComponent(groupId)}/members/$ref`, body: reference('directoryObjects', userId), idempotent: true };
      return submitOrDone(request, (error) => error.status === 400 && ALREADY_MEMBER.test(error.message));
    },

    async removeGroupMember(groupId, userId) {
      return submitOrDone({ method: 'DELETE', url: `/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(userId)}/$ref`, body: undefined, idempotent: true }, referenceGone(groupId));
    },
  };
}
