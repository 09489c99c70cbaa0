/**
 * Every HCL example under examples/hcl runs as a user would run it: terraform init (offline), apply, a second
 * plan that shows no changes, destroy. Each asserts what the example promises on the emulator's demo tenant.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TerraformWorkspace } from './support/terraform';
import { startTestEmulator, type EmulatorInspector, type TestEmulator } from './support/emulator';

const EXAMPLES = join(__dirname, '..', 'examples', 'hcl');

interface Scenario {
  /** Changes made in the tenant before the example runs (the situation it fixes). */
  before?(inspect: EmulatorInspector): Promise<void>;
  /** What must hold after apply; `outputs` are the root module outputs. */
  after(inspect: EmulatorInspector, outputs: Record<string, unknown>): Promise<void>;
  /** What must hold after destroy. */
  destroyed?(inspect: EmulatorInspector): Promise<void>;
}

const SCENARIOS: Record<string, Scenario> = {
  quickstart: {
    async after(inspect) {
      expect((await inspect.tenant()).transportConfig).toMatchObject({
        SmtpClientAuthenticationDisabled: true,
        AllowLegacyTLSClients: false,
      });
    },
  },
  'org-off-allow-list': {
    async before(inspect) {
      await inspect.setTransportConfig({ SmtpClientAuthenticationDisabled: false });
      await inspect.setRecipient('kakers@contoso.com', { SmtpClientAuthenticationDisabled: false });
    },
    async after(inspect, outputs) {
      expect((await inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled).toBe(true);
      expect(await inspect.overrides(['scanner@contoso.com', 'sean@contoso.com', 'kakers@contoso.com'])).toEqual({
        'scanner@contoso.com': false,
        'sean@contoso.com': false,
        'kakers@contoso.com': null,
      });
      expect(outputs.allowed_mailboxes).toEqual(['scanner@contoso.com', 'sean@contoso.com']);
      // The allow list is the Notepad-saved file (byte-order mark, CRLF) read by provider::exchangeonline::mailbox_list.
      expect(outputs.allow_list_notes).toEqual({
        'scanner@contoso.com': 'the multifunction printer in the office',
        'sean@contoso.com': 'line-of-business app that sends appointment reminders',
      });
    },
    async destroyed(inspect) {
      expect(await inspect.overrides(['scanner@contoso.com', 'sean@contoso.com'])).toEqual({
        'scanner@contoso.com': null,
        'sean@contoso.com': null,
      });
    },
  },
  'disable-one-mailbox': {
    async after(inspect, outputs) {
      expect((await inspect.recipient('chris@contoso.com')).SmtpClientAuthenticationDisabled).toBe(true);
      expect(outputs.chris_effective_smtp_auth_enabled).toBe(false);
    },
    async destroyed(inspect) {
      expect((await inspect.recipient('chris@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
    },
  },
  'return-to-org-setting': {
    async before(inspect) {
      await inspect.setRecipient('akol@contoso.com', { SmtpClientAuthenticationDisabled: false });
      await inspect.setRecipient('tjohnston@contoso.com', { SmtpClientAuthenticationDisabled: true });
      await inspect.setRecipient('kakers@contoso.com', { SmtpClientAuthenticationDisabled: false });
    },
    async after(inspect) {
      expect(await inspect.overrides(['akol@contoso.com', 'tjohnston@contoso.com', 'kakers@contoso.com'])).toEqual({
        'akol@contoso.com': null,
        'tjohnston@contoso.com': null,
        'kakers@contoso.com': null,
      });
    },
  },
  'verify-smtp-auth': {
    async before(inspect) {
      await inspect.setRecipient('sean@contoso.com', { SmtpClientAuthenticationDisabled: false });
      await inspect.setRecipient('scanner@contoso.com', { SmtpClientAuthenticationDisabled: false });
      await inspect.setRecipient('chris@contoso.com', { SmtpClientAuthenticationDisabled: true });
    },
    async after(_inspect, outputs) {
      expect(outputs.org_smtp_auth_disabled).toBe(true);
      expect(outputs.explicitly_enabled).toEqual(['scanner@contoso.com', 'sean@contoso.com']);
      expect(outputs.explicitly_disabled).toEqual(['chris@contoso.com']);
      expect(outputs.effectively_enabled).toEqual(['scanner@contoso.com', 'sean@contoso.com']);
      expect(outputs.inheriting_count).toBeGreaterThan(3);
      // The demo tenant's sign-in log (the emulator's Graph): the scanner signs in with Basic SMTP AUTH every 8 hours,
      // so it breaks; Sean's phone only fails with an old password, so nothing of his breaks: ready, not at risk.
      expect(outputs.usage_evidence).toBe('signins');
      expect(outputs.breaks).toEqual({ 'scanner@contoso.com': 90 });
      expect(outputs.at_risk).toEqual({});
      expect(outputs.readiness_summary).toEqual({
        mailboxes: 9,
        effective_smtp_auth: 2,
        effective_basic_smtp: 2,
        breaks: 1,
        at_risk: 0,
        ready: 8,
      });
    },
  },
  'legacy-tls': {
    async after(inspect, outputs) {
      expect((await inspect.tenant()).transportConfig.AllowLegacyTLSClients).toBe(true);
      expect((await inspect.recipient('scanner@contoso.com')).SmtpClientAuthenticationDisabled).toBe(false);
      expect(outputs.legacy_endpoint).toMatchObject({ host: 'smtp-legacy.office365.com' });
    },
    async destroyed(inspect) {
      // restore_on_destroy: the tenant never had it set, so it is "not set" again (which reads as "not allowed").
      expect((await inspect.tenant()).transportConfig.AllowLegacyTLSClients).toBeNull();
      expect((await inspect.recipient('scanner@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
    },
  },
  'basic-auth-policy': {
    async after(inspect) {
      const tenant = await inspect.tenant();
      const policy = tenant.authenticationPolicies.find((p) => p.Name === 'Allow Basic POP IMAP SMTP');
      expect(policy).toMatchObject({
        AllowBasicAuthPop: true,
        AllowBasicAuthImap: true,
        AllowBasicAuthSmtp: true,
        AllowBasicAuthActiveSync: false,
        AllowBasicAuthMapi: false,
      });
      const sean = tenant.recipients.find((r) => r.UserPrincipalName === 'sean@contoso.com')!;
      expect(sean.AuthenticationPolicy).toBe('Allow Basic POP IMAP SMTP');
      expect(Date.now() - Date.parse(sean.STSRefreshTokensValidFrom)).toBeLessThan(10 * 60_000); // revoked just now
    },
    async destroyed(inspect) {
      const tenant = await inspect.tenant();
      expect(tenant.authenticationPolicies).toEqual([]);
      expect(
        tenant.recipients.find((r) => r.UserPrincipalName === 'sean@contoso.com')!.AuthenticationPolicy,
      ).toBeNull();
    },
  },
};

const directories = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

test('every example has a scenario here, and every scenario an example', () => {
  expect(directories).toEqual(Object.keys(SCENARIOS).sort());
});

describe.each(directories)('examples/hcl/%s', (name) => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test('applies against the emulator, plans no changes afterwards, and destroys', async () => {
    const scenario = SCENARIOS[name];
    const files = Object.fromEntries(
      readdirSync(join(EXAMPLES, name)).map((file) => [file, readFileSync(join(EXAMPLES, name, file), 'utf8')]),
    );
    const tf = new TerraformWorkspace(files, emulator.providerEnv);
    try {
      await scenario.before?.(emulator.inspect);
      await tf.init();
      await tf.apply();
      const outputs = await tf.outputs();
      await scenario.after(emulator.inspect, outputs);
      await tf.noChanges();
      await tf.destroy();
      await scenario.destroyed?.(emulator.inspect);
    } finally {
      tf.cleanup();
    }
  });
});
