/**
 * A created user's initial password (src/engine/passwords.ts) is never shown, logged or saved: it goes
 * to the tenant adapter and nowhere else (docs/architecture.md §4; CONTRACT of issue 13). A plan with a
 * creation is made and applied through the in-memory adapter with a known password, and every output
 * of the run is searched for it.
 */
import { describe, expect, it } from 'vitest';
import type { ChangeOutcome } from '../../src/engine/apply.ts';
import { applyPlan } from '../../src/engine/apply.ts';
import { planTenant } from '../../src/engine/reconcile.ts';
import { renderPlanJson } from '../../src/domain/plan-format.ts';
import { renderAuditLine } from '../../src/render/apply-audit.ts';
import { renderApplyJson } from '../../src/render/apply-json.ts';
import { renderApplyText } from '../../src/render/apply-text.ts';
import { renderPlanMarkdown } from '../../src/render/plan-markdown.ts';
import { renderPlanText } from '../../src/render/plan-text.ts';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import type { NewUserInput } from '../../src/tenant/port.ts';
import { policyDir } from '../support/apply-e2e.ts';
import { contoso, FIXTURE_NOW } from '../support/emulator.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';

const PASSWORD = 'Known-Pa55word!xyz';

describe('a new user\'s password', () => {
  it('reaches the adapter and appears in no plan, output, outcome or audit line', async () => {
    const memory = createMemoryTenant(memoryInputFromSeed(contoso()));
    const created: NewUserInput[] = [];
    const tenant = { ...bind(memory), createUser: (input: NewUserInput) => (created.push(input), memory.createUser(input)) };
    const dir = policyDir('users:\n  - {userPrincipalName: nina@contoso.com, displayName: Nina Bos, jobTitle: Engineer, usageLocation: NL, licenses: [e3]}\n');
    const planned = await planTenant({ paths: [dir], cwd: dir, reader: tenant, now: FIXTURE_NOW });
    if (planned.kind !== 'planned') throw new Error('invalid policy');
    const plan = planned.plan;
    expect(plan.changes.map((c) => c.action)).toEqual(['create-user', 'assign-licenses']);

    const audit: string[] = [];
    const result = await applyPlan(plan, tenant, { newPassword: () => PASSWORD, onOutcome: (o: ChangeOutcome) => audit.push(renderAuditLine(o, FIXTURE_NOW)) });

    // It was used: the user was created with it.
    expect(created.map((input) => input.password)).toEqual([PASSWORD]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    const view = renderApplyText({ plan, outcomes: result.outcomes });
    const outputs = {
      'plan JSON': renderPlanJson(plan),
      'plan text': renderPlanText(plan, { color: false }),
      'plan markdown': renderPlanMarkdown(plan),
      'apply text': `${view.failures}${view.summary}${view.blocked}`,
      'apply JSON': renderApplyJson({ plan, outcomes: result.outcomes }),
      'audit log': audit.join(''),
      outcomes: JSON.stringify(result.outcomes),
    };
    for (const [name, text] of Object.entries(outputs)) expect(text, name).not.toContain(PASSWORD);
    expect(audit).toHaveLength(2);
    expect(outputs['plan text']).toContain('signs in with a Temporary Access Pass or a password reset the administrator issues');
  });
});

/** The memory tenant's methods as plain functions (a spread of a class instance copies none). */
function bind(memory: ReturnType<typeof createMemoryTenant>) {
  return {
    readTenant: memory.readTenant.bind(memory),
    readGrantedRoles: memory.readGrantedRoles.bind(memory),
    readUser: memory.readUser.bind(memory),
    restoreDeletedUser: memory.restoreDeletedUser.bind(memory),
    createUser: memory.createUser.bind(memory),
    setUsageLocation: memory.setUsageLocation.bind(memory),
    assignLicenses: memory.assignLicenses.bind(memory),
    setAccountEnabled: memory.setAccountEnabled.bind(memory),
    updateAttributes: memory.updateAttributes.bind(memory),
    setManager: memory.setManager.bind(memory),
    addGroupMember: memory.addGroupMember.bind(memory),
    removeGroupMember: memory.removeGroupMember.bind(memory),
  };
}
