/**
 * tenantctl's Pulumi resources as a library (`tenantctl/pulumi`), documented in docs/pulumi.md. A
 * tenant repository owns its Pulumi project (Pulumi.yaml, index.ts) and calls `declareTenant`; the
 * resources and their provider are here, as any provider package's are.
 */
export { declareTenant } from './program.ts';
export type { DeclareTenantOptions, TenantStackOutputs } from './program.ts';
export { TenantMailbox, TenantUser } from './resources.ts';
export { principalProvider } from './provider.ts';
export type { PrincipalProvider } from './provider.ts';
export type { PrincipalInputs } from './inputs.ts';
