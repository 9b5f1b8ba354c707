import { readFileSync } from 'node:fs';
import type { Seed, SeedUser } from '../../src/emulator/directory/model.ts';

const CONTOSO_TEXT = readFileSync(new URL('../fixtures/seeds/contoso.json', import.meta.url), 'utf8');

/** A fresh copy of the hand-written fixture tenant (test/fixtures/seeds/contoso.json). */
export function contosoSeed(): Seed {
  return JSON.parse(CONTOSO_TEXT) as Seed;
}

/** A GUID whose last block counts: 00000000-0000-4000-8000-0000000000ff for 255. */
export function countingGuid(n: number, prefix = '0000'): string {
  return `${prefix.padStart(4, '0')}0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** The fixture tenant with `count` extra plain users (user0@contoso.com …), for paging and volume. */
export function seedWithUsers(count: number): Seed {
  const base = contosoSeed();
  const users: SeedUser[] = Array.from({ length: count }, (_, i) => ({
    id: countingGuid(i, 'aaaa'),
    userPrincipalName: `user${i}@contoso.com`,
    displayName: `User ${i}`,
    accountEnabled: i % 10 !== 0,
    usageLocation: 'NL',
  }));
  return { ...base, users: [...base.users, ...users] };
}

export const RECONCILER_APP = 0;

/** A token for one of the seed's apps, from the emulator's token endpoint. */
export async function tokenFor(url: string, seed: Seed, app = RECONCILER_APP): Promise<string> {
  const { clientId, clientSecret } = seed.apps[app] ?? { clientId: '', clientSecret: '' };
  const response = await fetch(`${url}/${seed.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret ?? '', scope: 'https://graph.microsoft.com/.default' }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}
