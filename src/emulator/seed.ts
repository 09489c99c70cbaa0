/**
 * Turns a validated fixture into tenant state, and defines the built-in `demo` fixture.
 *
 * Building is deterministic (GUIDs derive from tenant id + UPN, timestamps are constants), so `POST /_emulator/reset`
 * reproduces exactly the state the emulator first started with, and the state file only needs to keep the small
 * fixture document, not a second copy of every generated mailbox.
 */
import { FixtureDocument, FixtureError, FixtureMailbox, FixturePolicy, FixtureTenant, FixtureUser } from './fixture';
import {
  deterministicGuid,
  legacyExchangeDn,
  policyDistinguishedName,
  recipientDistinguishedName,
  samAccountName,
} from './ids';
import {
  AuthenticationPolicyRecord,
  BASIC_AUTH_SWITCHES,
  BasicAuthSwitch,
  RecipientRecord,
  RecipientTypeDetails,
  TenantState,
  freezeDeep,
} from './model';

/** Seeded objects pretend to be created on this date: after January 2020, so SMTP AUTH defaults to disabled. */
export const SEED_TIMESTAMP = '2021-06-01T08:00:00.0000000Z';

export const DEMO_TENANT_ID = '7c3b9a52-4f1e-4d8a-9b6c-2e5f0a1d3c84';

/** `--seed demo`: one tenant with the defaults of a tenant created after 2020 and no overrides or policies. */
export const DEMO_FIXTURE: FixtureDocument = {
  tenants: [
    {
      domain: 'contoso.onmicrosoft.com',
      tenantId: DEMO_TENANT_ID,
      domains: ['contoso.com'],
      transportConfig: { SmtpClientAuthenticationDisabled: true, AllowLegacyTLSClients: null },
      organizationConfig: { DefaultAuthenticationPolicy: null },
      mailboxes: [
        { upn: 'admin@contoso.onmicrosoft.com', displayName: 'MOD Administrator' },
        { upn: 'sean@contoso.com', displayName: 'Sean Walker' },
        { upn: 'chris@contoso.com', displayName: 'Chris Green' },
        { upn: 'akol@contoso.com', displayName: 'Akol Deng' },
        { upn: 'tjohnston@contoso.com', displayName: 'Terry Johnston' },
        { upn: 'kakers@contoso.com', displayName: 'Kim Akers' },
        // Multifunction printers are the classic reason an organisation still needs SMTP AUTH for one account.
        { upn: 'scanner@contoso.com', displayName: 'Office Scanner' },
        { upn: 'info@contoso.com', type: 'SharedMailbox', displayName: 'Contoso Info' },
        { upn: 'support@contoso.com', type: 'SharedMailbox', displayName: 'Contoso Support' },
      ],
      users: [{ upn: 'jdoe@contoso.com', displayName: 'Jordan Doe' }],
      authenticationPolicies: [],
      // What Graph shows for exoform report: the scanner still signs in with Basic SMTP AUTH three times a day (it
      // is the one exception the quick start allows), and an old phone keeps failing with Sean's previous password.
      graph: {
        signIns: [
          ...Array.from({ length: 90 }, (_, i) => ({ upn: 'scanner@contoso.com', hoursAgo: 1 + i * 8 })),
          ...[5, 29, 53].map((hoursAgo) => ({ upn: 'sean@contoso.com', hoursAgo, status: 'failure' as const })),
        ],
      },
    },
  ],
};

export function buildTenantsFromFixture(fixture: FixtureDocument, source: string): TenantState[] {
  return fixture.tenants.map((tenant) => buildTenant(tenant, source));
}

function buildTenant(fixture: FixtureTenant, source: string): TenantState {
  const initialDomain = fixture.domain;
  // Without an explicit id the tenant id derives from the domain, so the same fixture always yields the same id.
  const tenantId = (fixture.tenantId ?? deterministicGuid('tenant', initialDomain.toLowerCase())).toLowerCase();
  const policies = (fixture.authenticationPolicies ?? []).map((p) =>
    buildPolicy(typeof p === 'string' ? { name: p } : p, tenantId, initialDomain),
  );
  const canonicalPolicyName = (name: string | null | undefined): string | null => {
    if (name === null || name === undefined) return null;
    return policies.find((p) => p.Name.toLowerCase() === name.toLowerCase())?.Name ?? name;
  };

  const recipients: RecipientRecord[] = [];
  const aliases = new Set<string>();
  const names = new Set<string>();
  const add = (entry: FixtureMailbox | FixtureUser, type: RecipientTypeDetails, override: boolean | null): void => {
    const localPart = entry.upn.slice(0, entry.upn.lastIndexOf('@'));
    const alias = entry.alias ?? localPart;
    const name = entry.name ?? alias;
    if (aliases.has(alias.toLowerCase()) || names.has(name.toLowerCase())) {
      throw new FixtureError(
        source,
        `  - tenant ${initialDomain}: alias or name "${aliases.has(alias.toLowerCase()) ? alias : name}" is used by two recipients ` +
          `(Exchange requires them unique); give "${entry.upn}" an explicit "alias" and "name"`,
      );
    }
    aliases.add(alias.toLowerCase());
    names.add(name.toLowerCase());
    recipients.push(
      buildRecipient({
        tenantId,
        initialDomain,
        upn: entry.upn,
        alias,
        name,
        type,
        primarySmtpAddress: 'primarySmtpAddress' in entry ? entry.primarySmtpAddress : undefined,
        displayName: entry.displayName ?? defaultDisplayName(localPart),
        override,
        policy: canonicalPolicyName(entry.AuthenticationPolicy),
      }),
    );
  };
  for (const m of fixture.mailboxes ?? []) {
    const entry: FixtureMailbox = typeof m === 'string' ? { upn: m } : m;
    add(entry, entry.type ?? 'UserMailbox', entry.SmtpClientAuthenticationDisabled ?? null);
  }
  for (const u of fixture.users ?? []) add(typeof u === 'string' ? { upn: u } : u, 'User', null);

  const count = fixture.generatedMailboxes ?? 0;
  if (count > 0) {
    const domain = fixture.generatedMailboxDomain ?? fixture.domains?.[0] ?? initialDomain;
    const width = Math.max(5, String(count).length);
    for (let i = 1; i <= count; i++) {
      const number = String(i).padStart(width, '0');
      add(
        { upn: `user${number}@${domain}`, displayName: `User ${number}` },
        'UserMailbox',
        fixture.generatedMailboxSmtpClientAuthenticationDisabled ?? null,
      );
    }
  }

  return freezeDeep({
    tenantId,
    initialDomain,
    domains: [initialDomain, ...(fixture.domains ?? [])],
    revision: 0,
    transportConfig: {
      SmtpClientAuthenticationDisabled: fixture.transportConfig?.SmtpClientAuthenticationDisabled ?? true,
      AllowLegacyTLSClients: fixture.transportConfig?.AllowLegacyTLSClients ?? null,
      Guid: deterministicGuid(tenantId, 'transport-config'),
      WhenChangedUTC: SEED_TIMESTAMP,
    },
    organizationConfig: {
      DefaultAuthenticationPolicy: canonicalPolicyName(fixture.organizationConfig?.DefaultAuthenticationPolicy),
    },
    recipients,
    authenticationPolicies: policies,
  });
}

function defaultDisplayName(localPart: string): string {
  return (
    localPart
      .split(/[._-]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join(' ') || localPart
  );
}

interface RecipientSpec {
  tenantId: string;
  initialDomain: string;
  upn: string;
  /** Default: the UPN. */
  primarySmtpAddress?: string;
  alias: string;
  name: string;
  displayName: string;
  type: RecipientTypeDetails;
  override: boolean | null;
  policy: string | null;
  /**
   * Recipients added at runtime pass something unique here (the tenant revision), so one deleted and created again
   * under the same UPN gets new GUIDs, as a new directory object does. Seeded ones leave it out: stable GUIDs.
   */
  salt?: string;
  /** WhenCreatedUTC and the initial STSRefreshTokensValidFrom; default the seed timestamp. */
  created?: string;
}

export function buildRecipient(spec: RecipientSpec): RecipientRecord {
  const key = spec.upn.toLowerCase();
  const salt = spec.salt === undefined ? [] : [spec.salt];
  const guid = deterministicGuid(spec.tenantId, 'mailbox', key, ...salt);
  const hasMailbox = spec.type !== 'User';
  const primary = hasMailbox ? (spec.primarySmtpAddress ?? spec.upn) : null;
  const emailAddresses: string[] = [];
  if (primary) {
    emailAddresses.push(`SMTP:${primary}`);
    const routing = `${spec.alias}@${spec.initialDomain}`;
    if (routing.toLowerCase() !== primary.toLowerCase()) emailAddresses.push(`smtp:${routing}`);
  }
  return {
    Guid: guid,
    ExchangeObjectId: deterministicGuid(spec.tenantId, 'exchange-object', key, ...salt),
    ExternalDirectoryObjectId: deterministicGuid(spec.tenantId, 'entra-object', key, ...salt),
    Name: spec.name,
    Alias: spec.alias,
    DisplayName: spec.displayName,
    UserPrincipalName: spec.upn,
    PrimarySmtpAddress: primary,
    EmailAddresses: emailAddresses,
    DistinguishedName: recipientDistinguishedName(spec.initialDomain, spec.name),
    LegacyExchangeDN: legacyExchangeDn(guid, spec.alias),
    SamAccountName: samAccountName(guid),
    RecipientTypeDetails: spec.type,
    SmtpClientAuthenticationDisabled: hasMailbox ? spec.override : null,
    AuthenticationPolicy: spec.policy,
    STSRefreshTokensValidFrom: spec.created ?? SEED_TIMESTAMP,
    WhenCreatedUTC: spec.created ?? SEED_TIMESTAMP,
  };
}

function buildPolicy(fixture: FixturePolicy, tenantId: string, initialDomain: string): AuthenticationPolicyRecord {
  const switches = {} as Record<BasicAuthSwitch, boolean>;
  for (const sw of BASIC_AUTH_SWITCHES) switches[sw] = fixture[sw] ?? false;
  return {
    Name: fixture.name,
    Guid: deterministicGuid(tenantId, 'authentication-policy', fixture.name.toLowerCase()),
    DistinguishedName: policyDistinguishedName(initialDomain, fixture.name),
    WhenChangedUTC: SEED_TIMESTAMP,
    ...switches,
  };
}
