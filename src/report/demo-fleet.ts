/**
 * The demo fleet `exoform report --demo` reads from an in-process emulator: four tenants an MSP might find before
 * December 2026, each showing one way the answer is decided (docs/report.md walks through them).
 *
 *   contoso    org-wide SMTP AUTH off; the scanner's mailbox allowed (the quick start's allow list) and still signing
 *              in with Basic auth: breaks. A phone with an old password fails to sign in: already blocked, ready.
 *   fabrikam   an old tenant: SMTP AUTH on org-wide, an org default policy that allows Basic SMTP; an invoicing app
 *              and a shared help-desk mailbox use it (breaks); a printer whose mailbox is enabled but whose user policy
 *              blocks Basic SMTP (ready, decided by the policy); explicit disabled vs inherit.
 *   northwind  Entra security defaults on: Basic SMTP blocked for everyone whatever Exchange says; no Entra ID P1
 *              (the sign-in log answers 403), so the usage report is the evidence.
 *   woodgrove  the app lacks AuditLog.Read.All and Policy.Read.All: no sign-ins, security defaults unknown; the usage
 *              report shows the label printer sending over SMTP (at risk: Basic or OAuth is not said).
 */
import type { FixtureDocument } from '../emulator/fixture';

const every = (hours: number, days = 30, offset = 1): number[] =>
  Array.from({ length: Math.floor((days * 24) / hours) }, (_, i) => offset + i * hours);

export const DEMO_FLEET_FIXTURE: FixtureDocument = {
  tenants: [
    {
      domain: 'contoso.onmicrosoft.com',
      domains: ['contoso.com'],
      transportConfig: { SmtpClientAuthenticationDisabled: true, AllowLegacyTLSClients: null },
      mailboxes: [
        { upn: 'admin@contoso.onmicrosoft.com', displayName: 'MOD Administrator' },
        { upn: 'sean@contoso.com', displayName: 'Sean Walker' },
        { upn: 'chris@contoso.com', displayName: 'Chris Green' },
        { upn: 'akol@contoso.com', displayName: 'Akol Deng' },
        { upn: 'kakers@contoso.com', displayName: 'Kim Akers' },
        { upn: 'scanner@contoso.com', displayName: 'Office Scanner', SmtpClientAuthenticationDisabled: false },
        { upn: 'info@contoso.com', type: 'SharedMailbox', displayName: 'Contoso Info' },
        { upn: 'support@contoso.com', type: 'SharedMailbox', displayName: 'Contoso Support' },
      ],
      graph: {
        signIns: [
          ...every(8).map((hoursAgo) => ({ upn: 'scanner@contoso.com', hoursAgo, appDisplayName: '' })),
          ...[5, 29, 53].map((hoursAgo) => ({ upn: 'sean@contoso.com', hoursAgo, status: 'failure' as const })),
        ],
      },
    },
    {
      domain: 'fabrikam.onmicrosoft.com',
      domains: ['fabrikam.com'],
      transportConfig: { SmtpClientAuthenticationDisabled: false, AllowLegacyTLSClients: true },
      authenticationPolicies: [{ name: 'Allow Basic SMTP', AllowBasicAuthSmtp: true }, { name: 'Block Basic auth' }],
      organizationConfig: { DefaultAuthenticationPolicy: 'Allow Basic SMTP' },
      mailboxes: [
        { upn: 'invoices@fabrikam.com', displayName: 'Invoicing app' },
        {
          upn: 'printer@fabrikam.com',
          displayName: 'Floor 2 printer',
          SmtpClientAuthenticationDisabled: false,
          AuthenticationPolicy: 'Block Basic auth',
        },
        { upn: 'helpdesk@fabrikam.com', type: 'SharedMailbox', displayName: 'Help desk' },
        { upn: 'alice@fabrikam.com', displayName: 'Alice Ciccu' },
        { upn: 'bob@fabrikam.com', displayName: 'Bob Kelly', SmtpClientAuthenticationDisabled: true },
        { upn: 'carol@fabrikam.com', displayName: 'Carol Ortiz', SmtpClientAuthenticationDisabled: false },
      ],
      graph: {
        signIns: [
          ...every(4).map((hoursAgo) => ({ upn: 'invoices@fabrikam.com', hoursAgo })),
          ...every(24, 30, 3).map((hoursAgo) => ({ upn: 'helpdesk@fabrikam.com', hoursAgo })),
          ...every(12, 30, 2).map((hoursAgo) => ({
            upn: 'printer@fabrikam.com',
            hoursAgo,
            status: 'failure' as const,
          })),
        ],
      },
    },
    {
      domain: 'northwind.onmicrosoft.com',
      domains: ['northwindtraders.com'],
      transportConfig: { SmtpClientAuthenticationDisabled: false, AllowLegacyTLSClients: null },
      mailboxes: [
        { upn: 'nancy@northwindtraders.com', displayName: 'Nancy Davolio' },
        { upn: 'andrew@northwindtraders.com', displayName: 'Andrew Fuller', SmtpClientAuthenticationDisabled: false },
        { upn: 'orders@northwindtraders.com', type: 'SharedMailbox', displayName: 'Orders' },
        { upn: 'warehouse@northwindtraders.com', displayName: 'Warehouse labels' },
      ],
      graph: { securityDefaults: true, premiumLicence: false, smtpAppUsers: ['warehouse@northwindtraders.com'] },
    },
    {
      domain: 'woodgrove.onmicrosoft.com',
      domains: ['woodgrovebank.com'],
      transportConfig: { SmtpClientAuthenticationDisabled: true, AllowLegacyTLSClients: null },
      mailboxes: [
        { upn: 'labels@woodgrovebank.com', displayName: 'Label printer', SmtpClientAuthenticationDisabled: false },
        { upn: 'alerts@woodgrovebank.com', displayName: 'Monitoring alerts', SmtpClientAuthenticationDisabled: false },
        { upn: 'dana@woodgrovebank.com', displayName: 'Dana Birkby' },
        { upn: 'erik@woodgrovebank.com', displayName: 'Erik Nason' },
      ],
      graph: {
        missingPermissions: ['AuditLog.Read.All', 'Policy.Read.All'],
        smtpAppUsers: ['labels@woodgrovebank.com'],
      },
    },
  ],
};
