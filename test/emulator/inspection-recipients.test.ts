import { DEMO, TestEmulator, tempDir } from './helpers';
import { join } from 'node:path';
import { readPersistedState } from '../../src/emulator';

describe('inspection API: recipients appear and disappear at runtime', () => {
  let emu: TestEmulator;
  const dir = tempDir();
  const dataFile = join(dir.path, 'state.json');
  beforeAll(async () => {
    emu = await TestEmulator.start({
      dataFile,
      seed: {
        tenants: [
          {
            domain: DEMO,
            domains: ['contoso.com'],
            authenticationPolicies: ['Allow SMTP'],
            mailboxes: ['sean@contoso.com'],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await emu.close();
    dir.remove();
  });
  beforeEach(() => emu.inspect('POST', 'reset'));

  it('POST adds a mailbox with defaults the cmdlets see at once, persisted like any change', async () => {
    const added = await emu.inspect('POST', `tenants/${DEMO}/recipients`, { upn: 'new.hire@contoso.com' });
    expect(added.status).toBe(201);
    expect(added.body.revision).toBe(1);
    expect(added.body.recipient).toMatchObject({
      UserPrincipalName: 'new.hire@contoso.com',
      Alias: 'new.hire',
      Name: 'new.hire',
      DisplayName: 'new.hire',
      RecipientTypeDetails: 'UserMailbox',
      PrimarySmtpAddress: 'new.hire@contoso.com',
      SmtpClientAuthenticationDisabled: null,
      AuthenticationPolicy: null,
    });
    const row = (await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'new.hire@contoso.com' })).body.value[0];
    expect(row).toMatchObject({ Guid: added.body.recipient.Guid, SmtpClientAuthenticationDisabled: null });
    expect(
      (await emu.invoke(DEMO, 'Set-CASMailbox', { Identity: 'new.hire', SmtpClientAuthenticationDisabled: false }))
        .status,
    ).toBe(200);
    const onDisk = readPersistedState(dataFile).tenants[0]!.recipients.find(
      (r) => r.UserPrincipalName === 'new.hire@contoso.com',
    );
    expect(onDisk?.SmtpClientAuthenticationDisabled).toBe(false);
  });

  it('POST takes type, displayName, SMTP AUTH override and policy; users without mailbox are no CAS mailboxes', async () => {
    const shared = await emu.inspect('POST', `tenants/${DEMO}/recipients`, {
      upn: 'printers@contoso.com',
      type: 'SharedMailbox',
      displayName: 'Printers',
      SmtpClientAuthenticationDisabled: false,
      AuthenticationPolicy: 'allow smtp',
    });
    expect(shared.body.recipient).toMatchObject({
      RecipientTypeDetails: 'SharedMailbox',
      DisplayName: 'Printers',
      SmtpClientAuthenticationDisabled: false,
      AuthenticationPolicy: 'Allow SMTP',
    });
    const user = await emu.inspect('POST', `tenants/${DEMO}/recipients`, {
      upn: 'guest@contoso.onmicrosoft.com',
      type: 'User',
    });
    expect(user.body.recipient).toMatchObject({
      RecipientTypeDetails: 'User',
      PrimarySmtpAddress: null,
      EmailAddresses: [],
    });
    expect(
      (await emu.invoke(DEMO, 'Get-User', { Identity: 'guest@contoso.onmicrosoft.com' })).body.value[0]
        .RecipientTypeDetails,
    ).toBe('User');
    expect((await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'guest@contoso.onmicrosoft.com' })).status).toBe(404);
  });

  it('POST refuses invalid bodies with every problem listed, and taken UPNs/aliases with 409', async () => {
    const bad = await emu.inspect('POST', `tenants/${DEMO}/recipients`, {
      upn: 'x@fabrikam.com',
      type: 'Room',
      SmtpClientAuthenticationDisabled: 'no',
      extra: 1,
    });
    expect(bad.status).toBe(400);
    for (const text of [
      "upn: must use one of the tenant's domains",
      'type: must be "UserMailbox", "SharedMailbox" or "User"',
      'SmtpClientAuthenticationDisabled: must be true or false or null',
      'extra: unknown key',
    ]) {
      expect(bad.body.error.message).toContain(text);
    }
    expect((await emu.inspect('POST', `tenants/${DEMO}/recipients`, { upn: 'no-at-sign' })).status).toBe(400);
    const noMailbox = await emu.inspect('POST', `tenants/${DEMO}/recipients`, {
      upn: 'u@contoso.com',
      type: 'User',
      SmtpClientAuthenticationDisabled: true,
    });
    expect(noMailbox.body.error.message).toContain('a user without a mailbox has no SMTP AUTH setting');
    const policy = await emu.inspect('POST', `tenants/${DEMO}/recipients`, {
      upn: 'u@contoso.com',
      AuthenticationPolicy: 'Missing',
    });
    expect(policy.body.error.message).toContain('has no authentication policy "Missing"');
    const taken = await emu.inspect('POST', `tenants/${DEMO}/recipients`, { upn: 'SEAN@contoso.com' });
    expect(taken.status).toBe(409);
    const alias = await emu.inspect('POST', `tenants/${DEMO}/recipients`, { upn: 'sean@contoso.onmicrosoft.com' });
    expect(alias.status).toBe(409);
    expect(
      (
        await emu.inspect('POST', `tenants/${DEMO}/recipients`, {
          upn: 'sean@contoso.onmicrosoft.com',
          alias: 'sean2',
          name: 'Sean Two',
        })
      ).status,
    ).toBe(409); // its address is sean's routing address
    expect(emu.emulator.tenants()[0]!.revision).toBe(0);
  });

  it("DELETE makes a mailbox vanish behind the provider's back: Get- answers 404, Set- answers 404", async () => {
    const removed = await emu.inspect('DELETE', `tenants/${DEMO}/recipients/sean@contoso.com`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ revision: 1, removed: { UserPrincipalName: 'sean@contoso.com' } });
    expect((await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean@contoso.com' })).status).toBe(404);
    expect(
      (
        await emu.invoke(DEMO, 'Set-CASMailbox', {
          Identity: 'sean@contoso.com',
          SmtpClientAuthenticationDisabled: false,
        })
      ).status,
    ).toBe(404);
    expect((await emu.invoke(DEMO, 'Get-User', { Identity: 'sean' })).status).toBe(404);
    expect(readPersistedState(dataFile).tenants[0]!.recipients.map((r) => r.UserPrincipalName)).not.toContain(
      'sean@contoso.com',
    );
    expect((await emu.inspect('DELETE', `tenants/${DEMO}/recipients/sean@contoso.com`)).status).toBe(404);
    expect((await emu.inspect('DELETE', `tenants/nope.com/recipients/sean@contoso.com`)).status).toBe(404);
  });

  it('a mailbox deleted and created again under the same UPN is a new object with new GUIDs', async () => {
    const before = (await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean@contoso.com' })).body.value[0];
    await emu.inspect('DELETE', `tenants/${DEMO}/recipients/${before.Guid}`);
    const again = await emu.inspect('POST', `tenants/${DEMO}/recipients`, { upn: 'sean@contoso.com' });
    expect(again.status).toBe(201);
    expect(again.body.recipient.Guid).not.toBe(before.Guid);
    expect(again.body.recipient.ExternalDirectoryObjectId).not.toBe(before.ExternalDirectoryObjectId);
    const after = (await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean@contoso.com' })).body.value[0];
    expect(after.Guid).toBe(again.body.recipient.Guid);
  });

  it('PATCH renames a mailbox (addresses and UPN exactly as given, same GUID) and refuses inconsistent addresses', async () => {
    const before = (await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean@contoso.com' })).body.value[0];
    const renamed = await emu.inspect('PATCH', `tenants/${DEMO}/recipients/sean@contoso.com`, {
      UserPrincipalName: 'sean.murphy@contoso.com',
      PrimarySmtpAddress: 'sean.murphy@contoso.com',
      EmailAddresses: ['SMTP:sean.murphy@contoso.com'],
    });
    expect(renamed.status).toBe(200);
    const row = (await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean.murphy@contoso.com' })).body.value[0];
    expect(row).toMatchObject({ Guid: before.Guid, PrimarySmtpAddress: 'sean.murphy@contoso.com' });
    expect((await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean@contoso.com' })).status).toBe(404);

    const bad = await emu.inspect('PATCH', `tenants/${DEMO}/recipients/sean.murphy@contoso.com`, {
      PrimarySmtpAddress: 'sean.m@contoso.com',
      EmailAddresses: ['SMTP:sean.murphy@contoso.com'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain(
      'EmailAddresses: must hold the primary address once, as "SMTP:<PrimarySmtpAddress>"',
    );
  });
});
