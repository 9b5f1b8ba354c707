/**
 * Run in a child process by test/tenant/graph-identity.test.ts: the Graph adapter configured from
 * the environment alone, as the CLI configures it (TENANTCTL_GRAPH_URL, AZURE_*), so that
 * NODE_EXTRA_CA_CERTS, read at start-up, trusts the test's certificate. Prints one JSON line; never a token.
 */
import { connectGraphTenant } from '../../src/tenant/graph/index.ts';

const connection = connectGraphTenant({ env: process.env });
const { tenant } = connection;
const roles = await tenant.readGrantedRoles();
await tenant.setAccountEnabled('support@contoso.com', true);
const observed = await tenant.readTenant({ mailboxUserPrincipalNames: ['support@contoso.com'] });
process.stdout.write(`${JSON.stringify({
  credential: connection.credential,
  description: connection.description,
  roles,
  tenantId: observed.tenantId,
  users: observed.users.map((u) => [u.userPrincipalName, u.accountEnabled]),
  deletedUsers: observed.deletedUsers.length,
  mailboxes: [...observed.mailboxes.values()],
})}\n`);
