import { RESULT_SIZE_EXCEEDED_WARNING } from '../../src/emulator/cmdlets/cas-mailbox';
import { DEMO, TestEmulator } from './helpers';

describe('Get-CASMailbox (read-only)', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start();
  });
  afterAll(() => emu.close());

  it('returns one mailbox with its SMTP AUTH override (null = inherit)', async () => {
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'info@contoso.com' });
    expect(answer.body.value).toHaveLength(1);
    expect(answer.body.value[0]).toMatchObject({ Name: 'info', PrimarySmtpAddress: 'info@contoso.com', SmtpClientAuthenticationDisabled: null });
  });

  it('returns EVERY mailbox for an empty or null -Identity, as Exchange does (the documented pitfall)', async () => {
    for (const identity of ['', null]) {
      const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: identity });
      expect(answer.status).toBe(200);
      expect(answer.body.value).toHaveLength(9);
    }
  });

  it('does not find users without a mailbox', async () => {
    expect((await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'jdoe@contoso.com' })).status).toBe(404);
  });

  it('honours a numeric -ResultSize and warns that more results exist', async () => {
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { ResultSize: 3 });
    expect(answer.body.value).toHaveLength(3);
    expect(answer.body['@adminapi.warnings']).toEqual([RESULT_SIZE_EXCEEDED_WARNING]);
  });

  it('rejects -Filter as a real parameter the emulator does not model', async () => {
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Filter: "Name -like 's*'" });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].message).toContain('does not model it');
  });
});
