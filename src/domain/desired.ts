import type { DeclaredAttributes } from './attributes.ts';
import type { SourceLocation } from './diagnostics.ts';
import type { ChangeAction } from './plan.ts';
import type { RenameTemplatePart } from './rename-template.ts';

/**
 * The desired state: every policy file merged, validated and normalised. Defaults
 * are applied, UPNs lower-cased and license-set names resolved, so the planner
 * never looks at YAML.
 */
export interface DesiredState {
  /** Refuse to plan or apply against another tenant when set. Lower case. */
  readonly tenantId?: string;
  readonly defaults: DesiredDefaults;
  /** Users first, then mailboxes, each in declaration order. */
  readonly principals: readonly DesiredPrincipal[];
  /** License sets by name, as declared (for renderers and export). */
  readonly licenseSets: ReadonlyMap<string, DesiredLicense>;
  /** The policy files the state came from. */
  readonly files: readonly string[];
  /**
   * What `tenantctl watch` may change without a person (the `watch` section, defaults filled in). Only
   * watch reads it; it is not part of the policy digest (src/engine/digest.ts).
   */
  readonly watch: DesiredWatch;
}

/** The `watch` section: see src/domain/heal.ts (which changes heal) and src/watch/breaker.ts (the rate limit). */
export interface DesiredWatch {
  /** Plan actions healed without a person, each once, in ACTION_ORDER; default DEFAULT_HEAL_ACTIONS (src/domain/heal.ts). */
  readonly heal: readonly ChangeAction[];
  /** More heals than this within any 60 minutes trip the breaker; 1..10000, default 60. */
  readonly maxChangesPerHour: number;
}

export type OnUpnConflict = 'fail' | 'rename';
/**
 * What happens to a declared user that is neither in the tenant nor restorable: `create` a new one
 * (the default), or `report` it as an error and leave it to the administrator. Mailboxes are always
 * reported: Graph cannot create one. The old key `whenPurged` is read as this one, with a warning.
 */
export type WhenMissing = 'create' | 'report';
export type MailboxType = 'shared' | 'room' | 'equipment';

export interface DesiredDefaults {
  readonly usageLocation?: string;
  readonly restore: {
    readonly autoReconcileProxyConflict: boolean;
    readonly onUpnConflict: OnUpnConflict;
    readonly renameTo: string;
    readonly renameTemplate: readonly RenameTemplatePart[];
  };
  /** For users that do not set their own. */
  readonly whenMissing: WhenMissing;
  readonly pruneLicenses: boolean;
  /**
   * UPNs (lower case) tenantctl never writes to, whether the policy declares them or not: break-glass
   * accounts and the like (`defaults.protected`). A declared principal may also say `protected: true`.
   */
  readonly protected: readonly string[];
}

export interface DesiredLicense {
  /** The SKU as written: a skuPartNumber or a skuId (lower case). Resolved against the tenant at plan time. */
  readonly sku: string;
  /** Service plans to keep disabled, as written (servicePlanName or servicePlanId), without duplicates. */
  readonly disabledPlans: readonly string[];
  /** The license set it came from; absent for an inline license. */
  readonly licenseSet?: string;
  /**
   * A licensing group (its object id, lower case, or its display name as written): principals holding this
   * license are made members of the group instead of getting a direct assignment. License sets only.
   */
  readonly group?: string;
}

interface DesiredPrincipalBase {
  /** Lower case. */
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly licenses: readonly DesiredLicense[];
  /** The principal's own usage location; `defaults.usageLocation` applies when absent. */
  readonly usageLocation?: string;
  readonly accountEnabled: boolean;
  readonly source: SourceLocation;
  /**
   * The attributes the principal declares, and only those (displayName always: the schema requires it).
   * An attribute declared null or "" must be unset.
   */
  readonly attributes: DeclaredAttributes;
  /** The manager's UPN (lower case); null: must have none; absent: not managed. */
  readonly manager?: string | null;
  /** Its own `protected: true`, or listed in `defaults.protected`: planned as information only, never written. */
  readonly protected: boolean;
  /** Its own `whenMissing`, else the default; always `report` for a mailbox. */
  readonly whenMissing: WhenMissing;
}

export interface DesiredUser extends DesiredPrincipalBase {
  readonly kind: 'user';
}

export interface DesiredMailbox extends DesiredPrincipalBase {
  readonly kind: 'mailbox';
  readonly mailboxType: MailboxType;
  /** Shared, room and equipment mailboxes never sign in. */
  readonly accountEnabled: false;
}

export type DesiredPrincipal = DesiredUser | DesiredMailbox;

export const DEFAULT_RENAME_TEMPLATE = '{localPart}.restored@{domain}';
