/**
 * The emulator's JWT-shaped tokens (src/emulator/access-token.ts) over real HTTP: signed with the emulator's token
 * they are accepted with their claims; a wrong signature, an expired token and a token of another tenant get 401.
 */
import { mintEmulatorToken } from '../../src/emulator/access-token';
import { DEMO_TENANT_ID } from '../../src/emulator/seed';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';

describe('emulator access tokens', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.stop());

  async function call(
    token: string,
    path = `/adminapi/beta/${DEMO_TENANT}/InvokeCommand`,
    method = 'POST',
  ): Promise<{ status: number; body: any; headers: Headers }> {
    const response = await fetch(emulator.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body:
        method === 'POST'
          ? JSON.stringify({ CmdletInput: { CmdletName: 'Get-TransportConfig', Parameters: {} } })
          : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  const now = (): number => Math.floor(Date.now() / 1000);

  test('a JWT signed with the emulator token is accepted; the opaque token still is', async () => {
    expect((await call(mintEmulatorToken(emulator.token, { tid: DEMO_TENANT_ID, exp: now() + 600 }))).status).toBe(200);
    expect((await call(emulator.token)).status).toBe(200);
  });

  test.each([
    ['a wrong signature', () => mintEmulatorToken('another-key', { exp: now() + 600 }), /signature is not valid/],
    ['an expired token', () => mintEmulatorToken(emulator.token, { exp: now() - 1 }), /has expired/],
    [
      'a token of another tenant',
      () => mintEmulatorToken(emulator.token, { tid: '11111111-2222-4333-8444-555555555555' }),
      /another tenant/,
    ],
  ])('%s: 401 with WWW-Authenticate invalid_token', async (_what, token, reason) => {
    const answer = await call(token());
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(answer.body.error.message).toMatch(reason);
  });

  test('the module-file probe (GET /AdminApi/v1.0/{tenant}/EXOModuleFile) answers 200 for a known tenant, 403 for an unknown one', async () => {
    expect((await call(emulator.token, `/AdminApi/v1.0/${DEMO_TENANT}/EXOModuleFile`, 'GET')).status).toBe(200);
    expect((await call(emulator.token, `/AdminApi/v1.0/fabrikam.onmicrosoft.com/EXOModuleFile`, 'GET')).status).toBe(
      403,
    );
    expect((await call(emulator.token, `/AdminApi/v1.0/${DEMO_TENANT}/EXOModuleFile`, 'POST')).status).toBe(405);
  });
});
