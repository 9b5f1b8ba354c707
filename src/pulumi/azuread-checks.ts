import type { DesiredState } from '../domain/desired.ts';

/**
 * What `@pulumi/azuread` adds (opt-in, `tenantctl:azureadChecks: true`): before any resource is
 * declared, the azuread provider's own view of the tenant, through its `getClientConfig` and
 * `getDomains` functions, is checked against the policy. It catches a stack wired to the wrong tenant
 * and UPNs in a domain the tenant has not verified (Graph refuses to create or rename into those).
 * azuread covers nothing else here: its User resource knows no soft-deleted users and 6.x has no
 * license resource, which is why the principals themselves are tenantctl's dynamic resources.
 */
export interface AzureAdView {
  /** `getClientConfig().tenantId` */
  readonly tenantId: string;
  /** Verified domain names (`getDomains().domains[].domainName`). */
  readonly verifiedDomains: readonly string[];
}

/** The problems, each a sentence with its fix; empty when the policy fits the tenant. */
export function azureAdFindings(desired: DesiredState, view: AzureAdView): string[] {
  const findings: string[] = [];
  if (desired.tenantId !== undefined && desired.tenantId !== view.tenantId.toLowerCase()) {
    findings.push(`the azuread provider is signed in to tenant ${view.tenantId}, but the policy is for ${desired.tenantId} (tenant.id); check the azuread provider's tenantId (ARM_TENANT_ID or azuread:tenantId)`);
  }
  const verified = new Set(view.verifiedDomains.map((d) => d.toLowerCase()));
  const unverified = new Map<string, string[]>();
  for (const principal of desired.principals) {
    const domain = principal.userPrincipalName.slice(principal.userPrincipalName.lastIndexOf('@') + 1);
    if (!verified.has(domain)) unverified.set(domain, [...(unverified.get(domain) ?? []), principal.userPrincipalName]);
  }
  for (const [domain, upns] of unverified) {
    const sample = upns.slice(0, 3).join(', ') + (upns.length > 3 ? ` and ${upns.length - 3} more` : '');
    findings.push(`${domain} is not a verified domain of the tenant (${sample}); verify it in the Entra admin center (Settings › Domain names) or fix the UPNs`);
  }
  return findings;
}

/** Asks the azuread provider (needs its plugin and credentials: ARM_* or azuread:* config). */
export async function readAzureAdView(): Promise<AzureAdView> {
  const azuread = await import('@pulumi/azuread');
  const [client, domains] = await Promise.all([azuread.getClientConfig(), azuread.getDomains({ includeUnverified: false })]);
  return { tenantId: client.tenantId, verifiedDomains: domains.domains.filter((d) => d.verified).map((d) => d.domainName) };
}
