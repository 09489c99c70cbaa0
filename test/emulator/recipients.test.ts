import { DEMO_FIXTURE } from '../../src/emulator';
import { recipientCanonicalName } from '../../src/emulator/ids';
import { resolveRecipient } from '../../src/emulator/recipients';
import { buildTenantsFromFixture } from '../../src/emulator/seed';
import { Tenant } from '../../src/emulator/tenant-store';

describe('resolveRecipient', () => {
  const tenant = new Tenant(buildTenantsFromFixture(DEMO_FIXTURE, 'demo')[0]!, () => undefined);
  const sean = tenant.recipients.find((r) => r.UserPrincipalName === 'sean@contoso.com')!;

  it.each([
    ['UPN', 'sean@contoso.com'],
    ['UPN in another case', 'SEAN@Contoso.COM'],
    ['primary email address', sean.PrimarySmtpAddress!],
    ['secondary (routing) address', 'sean@contoso.onmicrosoft.com'],
    ['alias', 'sean'],
    ['name', sean.Name],
    ['distinguished name', sean.DistinguishedName],
    ['canonical name', recipientCanonicalName(tenant.initialDomain, sean.Name)],
    ['domain\\user with the tenant label', 'contoso\\sean'],
    ['domain\\SamAccountName with a domain', `contoso.com\\${sean.SamAccountName}`],
    ['mailbox GUID', sean.Guid],
    ['mailbox GUID in braces and upper case', `{${sean.Guid.toUpperCase()}}`],
    ['ExchangeObjectId', sean.ExchangeObjectId],
    ['ExternalDirectoryObjectId (Entra object id)', sean.ExternalDirectoryObjectId],
    ['LegacyExchangeDN', sean.LegacyExchangeDN],
    ['SamAccountName', sean.SamAccountName],
  ])('finds a mailbox by its %s', (_form, identity) => {
    expect(resolveRecipient(tenant, identity)).toEqual({ kind: 'one', recipient: sean });
  });

  it.each([[null], [undefined], [''], ['   ']])(
    'reports "all" for the empty identity %p (the documented Get- pitfall)',
    (identity) => {
      expect(resolveRecipient(tenant, identity)).toEqual({ kind: 'all' });
    },
  );

  it('reports none for unknown identities and does not treat wildcards or prefixes as matches', () => {
    expect(resolveRecipient(tenant, 'nobody@contoso.com').kind).toBe('none');
    expect(resolveRecipient(tenant, 'sea*').kind).toBe('none');
    expect(resolveRecipient(tenant, 'fabrikam\\sean').kind).toBe('none');
    expect(resolveRecipient(tenant, ' sean').kind).toBe('none');
  });

  it('reports ambiguous when one identity names several recipients', () => {
    const [state] = buildTenantsFromFixture(
      {
        tenants: [
          {
            domain: 'amb.onmicrosoft.com',
            mailboxes: [
              { upn: 'a@amb.onmicrosoft.com', name: 'shared-name' },
              { upn: 'shared-name@amb.onmicrosoft.com', name: 'other' },
            ],
          },
        ],
      },
      'test',
    );
    const ambiguous = new Tenant(state!, () => undefined);
    const result = resolveRecipient(ambiguous, 'shared-name');
    expect(result.kind).toBe('ambiguous');
    expect(result.kind === 'ambiguous' && result.matches.map((r) => r.UserPrincipalName).sort()).toEqual([
      'a@amb.onmicrosoft.com',
      'shared-name@amb.onmicrosoft.com',
    ]);
  });

  it('keeps the index current when a recipient record is replaced', () => {
    let changes = 0;
    const live = new Tenant(buildTenantsFromFixture(DEMO_FIXTURE, 'demo')[0]!, () => changes++);
    const before = resolveRecipient(live, 'chris');
    expect(before.kind).toBe('one');
    const updated = live.updateRecipient((before as { recipient: any }).recipient, {
      SmtpClientAuthenticationDisabled: false,
    });
    expect(resolveRecipient(live, 'chris@contoso.com')).toEqual({ kind: 'one', recipient: updated });
    expect(Object.isFrozen(updated)).toBe(true);
    expect(changes).toBe(1);
    expect(live.revision).toBe(1);
  });
});
