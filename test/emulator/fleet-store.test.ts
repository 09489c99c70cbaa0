import { EAGER_INDEX_RECIPIENTS } from '../../src/emulator/tenant-store';
import { TestEmulator } from './helpers';

/**
 * A store larger than EAGER_INDEX_RECIPIENTS (a fleet emulator) builds a tenant's identity index on its first
 * identity lookup instead of at start-up; every identity form must still resolve, before and after a change.
 */
describe('a fleet-sized emulator (more recipients than are indexed at start-up)', () => {
  const tenants = 3;
  const perTenant = Math.floor(EAGER_INDEX_RECIPIENTS / tenants) + 1;
  const domain = (i: number): string => `fleet${i}.onmicrosoft.com`;
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start({
      seed: {
        tenants: Array.from({ length: tenants }, (_, i) => ({ domain: domain(i), generatedMailboxes: perTenant })),
      },
    });
  }, 120_000);
  afterAll(() => emu.close());

  it('resolves identities in every tenant, by UPN, alias and GUID, and sees a change through the index', async () => {
    expect(tenants * perTenant).toBeGreaterThan(EAGER_INDEX_RECIPIENTS);
    const last = `user${String(perTenant).padStart(Math.max(5, String(perTenant).length), '0')}`;
    for (let i = 0; i < tenants; i++) {
      const upn = `${last}@${domain(i)}`;
      const byUpn = await emu.invoke(domain(i), 'Get-CASMailbox', { Identity: upn });
      expect(byUpn.status).toBe(200);
      expect(byUpn.body.value).toHaveLength(1);
      const row = byUpn.body.value[0];
      expect(row.PrimarySmtpAddress).toBe(upn);
      const byGuid = await emu.invoke(domain(i), 'Get-CASMailbox', { Identity: row.Guid });
      expect(byGuid.body.value.map((r: { PrimarySmtpAddress: string }) => r.PrimarySmtpAddress)).toEqual([upn]);
      // The same alias in another tenant is another mailbox: each tenant has its own index.
      const byAlias = await emu.invoke(domain(i), 'Get-CASMailbox', { Identity: last });
      expect(byAlias.body.value.map((r: { PrimarySmtpAddress: string }) => r.PrimarySmtpAddress)).toEqual([upn]);
    }
    const target = `${last}@${domain(1)}`;
    const set = await emu.invoke(domain(1), 'Set-CASMailbox', {
      Identity: target,
      SmtpClientAuthenticationDisabled: false,
    });
    expect(set.status).toBe(200);
    const after = await emu.invoke(domain(1), 'Get-CASMailbox', { Identity: last });
    expect(
      after.body.value.map((r: { SmtpClientAuthenticationDisabled: boolean }) => r.SmtpClientAuthenticationDisabled),
    ).toEqual([false]);
    const other = await emu.invoke(domain(0), 'Get-CASMailbox', { Identity: last });
    expect(
      other.body.value.map(
        (r: { SmtpClientAuthenticationDisabled: boolean | null }) => r.SmtpClientAuthenticationDisabled,
      ),
    ).toEqual([null]);
  });
});
