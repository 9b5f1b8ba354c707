/**
 * tenantctl's public API (the package root, `import … from 'tenantctl'`), documented in
 * docs/library.md. The same engine as the command line, one call per step:
 *
 *   loadPolicy → connectGraphTenant → planTenant → render… → applySavedPlan
 *
 * Everything not exported here is internal and may change in any release. The Pulumi resources are
 * `tenantctl/pulumi`; the Graph emulator, for your own tests, is `tenantctl/emulator`.
 */

// Policy: read and validate YAML policy files (as `tenantctl validate`).
export { DEFAULT_POLICY_PATHS, loadPolicy } from './policy/load.ts';
export type { LoadPolicyOptions, PolicyResult } from './policy/load.ts';
export type { ReadPolicyFilesOptions } from './policy/read-files.ts';
export type { DesiredDefaults, DesiredLicense, DesiredMailbox, DesiredPrincipal, DesiredState, DesiredUser } from './domain/desired.ts';
export type { Diagnostic, DiagnosticCode, Severity, SourceLocation } from './domain/diagnostics.ts';

// Tenant: Microsoft Graph (or the emulator), signed in from the environment as the CLI is.
export { connectGraphTenant } from './tenant/graph/index.ts';
export type { ConnectOptions, GraphConnection, GraphTenant } from './tenant/graph/index.ts';
// What connecting and talking to Graph throws: a setting that cannot work, credentials that cannot be
// configured or fail to sign in, a Graph error (status, code, request id), an unreadable answer.
// A Graph error is the tenant port's error (TenantError: kind, retryable, mayHaveTakenEffect) with Graph's details.
export { ConnectionConfigurationError } from './tenant/graph/clouds.ts';
export { AuthenticationError, CredentialConfigurationError, GraphRequestError, GraphResponseError } from './tenant/graph/errors.ts';
export type { Environment } from './tenant/graph/credentials.ts';
export type { RetryEnvironment, RetryPolicy } from './tenant/graph/retry.ts';
export { TenantError } from './tenant/port.ts';
export type { NewUserInput, ReadTenantRequest, RestoreOptions, TenantErrorKind, TenantReader, TenantWriter } from './tenant/port.ts';
export type { ObservedTenant, ObservedUser } from './domain/observed.ts';

// Plan: the policy against the tenant (as `tenantctl plan`).
export { planTenant } from './engine/reconcile.ts';
export type { PlanOutcome, PlanTenantInput } from './engine/reconcile.ts';
export { PLAN_FORMAT_VERSION } from './domain/plan.ts';
export type { Change, ChangeAction, Plan, PlannedLicense } from './domain/plan.ts';

// Render: the plan and the policy's diagnostics as the CLI prints them.
export { renderPlanText } from './render/plan-text.ts';
export type { PlanTextOptions } from './render/plan-text.ts';
export { renderPlanMarkdown } from './render/plan-markdown.ts';
export type { PlanMarkdownOptions } from './render/plan-markdown.ts';
export { renderPlanJson } from './domain/plan-format.ts';
export { renderValidationJson, renderValidationText } from './render/diagnostics.ts';
export type { TextOptions, ValidationReport } from './render/diagnostics.ts';

// Apply: a reviewed, saved plan, exactly as saved (as `tenantctl apply PLAN.json --auto-approve`).
export { applySavedPlan } from './engine/apply-saved-plan.ts';
export type { ApplySavedPlanInput, ApplySavedPlanResult } from './engine/apply-saved-plan.ts';
export type { RefusalCode } from './engine/apply-gate.ts';
export { parseSavedPlan, SavedPlanError } from './domain/plan-format.ts';
export type { ChangeOutcome, FailureInfo } from './engine/apply.ts';
