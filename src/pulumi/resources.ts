import * as pulumi from '@pulumi/pulumi';
import type { PrincipalInputs } from './inputs.ts';

/**
 * tenantctl's Pulumi resources: one per declared principal, named by its UPN. Both are dynamic
 * resources over the same provider (`provider.ts`); their type tokens are
 * `pulumi-nodejs:dynamic/tenantctl:User` and `pulumi-nodejs:dynamic/tenantctl:Mailbox`.
 */

/** Output-only properties: declared as undefined inputs so that Pulumi exposes them. */
const OUTPUTS = { objectId: undefined, tenantId: undefined, warnings: undefined, lastChanges: undefined, leftAlone: undefined };

abstract class TenantPrincipal extends pulumi.dynamic.Resource {
  /** The Entra object id; a restore keeps it. */
  declare public readonly objectId: pulumi.Output<string>;
  declare public readonly tenantId: pulumi.Output<string>;
  /** The plan's warnings for this principal when it was last created or updated. */
  declare public readonly warnings: pulumi.Output<string[]>;
  declare public readonly lastChanges: pulumi.Output<string[]>;
  /** A protected principal's drift, which tenantctl leaves alone (`protected: left alone; would …`); empty otherwise. */
  declare public readonly leftAlone: pulumi.Output<string[]>;

  protected constructor(type: 'User' | 'Mailbox', name: string, inputs: PrincipalInputs, provider: pulumi.dynamic.ResourceProvider, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...inputs, ...OUTPUTS }, opts, 'tenantctl', type);
  }
}

/** A user: restored when soft-deleted, adopted when active, created when neither (unless `whenMissing: report`); a protected one is never written. */
export class TenantUser extends TenantPrincipal {
  constructor(name: string, inputs: PrincipalInputs, provider: pulumi.dynamic.ResourceProvider, opts?: pulumi.CustomResourceOptions) {
    super('User', name, inputs, provider, opts);
  }
}

/** A shared, room or equipment mailbox's account: restored when soft-deleted, never signs in. */
export class TenantMailbox extends TenantPrincipal {
  constructor(name: string, inputs: PrincipalInputs, provider: pulumi.dynamic.ResourceProvider, opts?: pulumi.CustomResourceOptions) {
    super('Mailbox', name, inputs, provider, opts);
  }
}
