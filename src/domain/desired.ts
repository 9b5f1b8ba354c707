import type { SourceLocation } from './diagnostics.ts';
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
}

export type OnUpnConflict = 'fail' | 'rename';
export type WhenPurged = 'report' | 'create';
export type MailboxType = 'shared' | 'room' | 'equipment';

export interface DesiredDefaults {
  readonly usageLocation?: string;
  readonly restore: {
    readonly autoReconcileProxyConflict: boolean;
    readonly onUpnConflict: OnUpnConflict;
    readonly renameTo: string;
    readonly renameTemplate: readonly RenameTemplatePart[];
  };
  readonly whenPurged: WhenPurged;
  readonly pruneLicenses: boolean;
}

export interface DesiredLicense {
  /** The SKU as written: a skuPartNumber or a skuId (lower case). Resolved against the tenant at plan time. */
  readonly sku: string;
  /** Service plans to keep disabled, as written (servicePlanName or servicePlanId), without duplicates. */
  readonly disabledPlans: readonly string[];
  /** The license set it came from; absent for an inline license. */
  readonly licenseSet?: string;
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
