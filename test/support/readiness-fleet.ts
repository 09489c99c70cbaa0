/**
 * The readiness tests' fleet: the demo fleet (src/report/demo-fleet.ts) plus tailspin, a tenant whose app may read
 * neither sign-ins nor the usage report, so it has no Graph evidence at all.
 */
import type { FixtureDocument } from '../../src/emulator/fixture';
import { DEMO_FLEET_FIXTURE } from '../../src/report/demo-fleet';

export const READINESS_FLEET_FIXTURE: FixtureDocument = {
  tenants: [
    ...DEMO_FLEET_FIXTURE.tenants,
    {
      domain: 'tailspin.onmicrosoft.com',
      transportConfig: { SmtpClientAuthenticationDisabled: false },
      mailboxes: [
        { upn: 'copier@tailspin.onmicrosoft.com', SmtpClientAuthenticationDisabled: false },
        'pat@tailspin.onmicrosoft.com',
        { upn: 'quinn@tailspin.onmicrosoft.com', SmtpClientAuthenticationDisabled: true },
      ],
      graph: { missingPermissions: ['AuditLog.Read.All', 'Reports.Read.All'] },
    },
  ],
};
