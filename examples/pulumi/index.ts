// The tenant's Pulumi program: one resource per user and mailbox of the policy in policies/.
import { declareTenant } from 'tenantctl/pulumi';

export default () => declareTenant();
