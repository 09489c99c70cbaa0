/**
 * data "exchangeonline_smtp_auth_readiness" through the real terraform against the emulator: per-mailbox effective
 * SMTP AUTH and Basic SMTP weighing the user's policy, else the org default; which setting decided; the verdict;
 * the tenant's counts; page reads only (no call names a mailbox). `read_graph = false` reads Exchange only; with Graph
 * (the default) the scanner's Basic SMTP sign-ins make it break (more in smtp-auth-readiness-graph.test.ts). The
 * org default policy deciding, with SMTP AUTH on for the organization, is read in process in
 * test/provider/data-sources/smtp-auth-readiness.test.ts.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const MAIN_TF = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

# Exchange only: the rules without Graph's evidence.
data "exchangeonline_smtp_auth_readiness" "tenant" {
  read_graph = false
}

data "exchangeonline_smtp_auth_readiness" "at_risk" {
  verdict    = "at-risk"
  read_graph = false
}

# With Graph (the default): the demo tenant's sign-in log shows the scanner using Basic SMTP AUTH.
data "exchangeonline_smtp_auth_readiness" "graph" {
  verdict = "breaks"
}

output "readiness" {
  value = {
    summary      = data.exchangeonline_smtp_auth_readiness.tenant.summary
    tenant       = data.exchangeonline_smtp_auth_readiness.tenant.tenant_verdict
    default      = data.exchangeonline_smtp_auth_readiness.tenant.default_authentication_policy
    evidence     = data.exchangeonline_smtp_auth_readiness.tenant.usage_evidence
    defaults     = data.exchangeonline_smtp_auth_readiness.tenant.security_defaults
    detail       = data.exchangeonline_smtp_auth_readiness.tenant.graph_detail
    graph        = [data.exchangeonline_smtp_auth_readiness.graph.usage_evidence, data.exchangeonline_smtp_auth_readiness.graph.security_defaults, data.exchangeonline_smtp_auth_readiness.graph.tenant_verdict, data.exchangeonline_smtp_auth_readiness.graph.primary_smtp_addresses]
    at_risk      = data.exchangeonline_smtp_auth_readiness.at_risk.primary_smtp_addresses
    by_address   = { for m in data.exchangeonline_smtp_auth_readiness.tenant.mailboxes : m.primary_smtp_address => [m.smtp_auth_setting, m.authentication_policy, m.effective_smtp_auth, m.effective_basic_smtp, m.decided_by, m.verdict] }
  }
}
`;

interface Readiness {
  summary: Record<string, number>;
  tenant: string;
  default: string | null;
  evidence: string;
  defaults: string;
  detail: string | null;
  graph: [string, string, string, string[]];
  at_risk: string[];
  by_address: Record<string, [string, string | null, boolean, boolean, string, string]>;
}

describe('exchangeonline_smtp_auth_readiness', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  test('weighs mailbox, organization, user policy and org default policy; counts; page reads only', async () => {
    const admin = emulator.inspect;
    // Org: SMTP AUTH off (the demo default). The scanner is an exception; Sean is too, but his own policy blocks Basic SMTP.
    await admin.invoke('New-AuthenticationPolicy', { Name: 'Block Basic' });
    await admin.invoke('New-AuthenticationPolicy', { Name: 'Printers', AllowBasicAuthSmtp: true });
    await admin.invoke('Set-User', { Identity: 'sean@contoso.com', AuthenticationPolicy: 'Block Basic' });
    await admin.invoke('Set-CASMailbox', { Identity: 'sean@contoso.com', SmtpClientAuthenticationDisabled: false });
    await admin.invoke('Set-CASMailbox', { Identity: 'scanner@contoso.com', SmtpClientAuthenticationDisabled: false });
    await admin.invoke('Set-CASMailbox', { Identity: 'chris@contoso.com', SmtpClientAuthenticationDisabled: true });

    const tf = new TerraformWorkspace({ 'main.tf': MAIN_TF }, emulator.providerEnv);
    try {
      await tf.init();
      await admin.clearCalls();
      await tf.apply();
      const read = async (): Promise<Readiness> =>
        JSON.parse((await tf.expect(['output', '-json', 'readiness'])).stdout) as Readiness;
      const r = await read();
      expect(r.evidence).toBe('not read');
      expect(r.defaults).toBe('not read');
      expect(r.detail).toBe('Security defaults and usage evidence: not read (`read_graph = false`).');
      expect(r.graph).toEqual(['signins', 'disabled', 'breaks', ['scanner@contoso.com']]);
      expect(r.default).toBeNull();
      expect(r.by_address['scanner@contoso.com']).toEqual(['enabled', null, true, true, 'mailbox', 'at-risk']);
      expect(r.by_address['sean@contoso.com']).toEqual(['enabled', 'Block Basic', true, false, 'user-policy', 'ready']);
      expect(r.by_address['chris@contoso.com']).toEqual(['disabled', null, false, false, 'mailbox', 'ready']);
      expect(r.by_address['info@contoso.com']).toEqual(['inherit', null, false, false, 'organization', 'ready']); // a shared mailbox
      expect(Object.keys(r.by_address)).toHaveLength(9); // mailboxes only: jdoe has no mailbox
      expect(r.summary).toEqual({
        mailboxes: 9,
        effective_smtp_auth: 2,
        effective_basic_smtp: 1,
        breaks: 0,
        at_risk: 1,
        ready: 8,
      });
      expect(r.tenant).toBe('at-risk');
      expect(r.at_risk).toEqual(['scanner@contoso.com']);

      // Page reads, never a call per mailbox: no read names an identity.
      const reads = (await admin.calls()).calls.filter((c) => c.cmdlet.startsWith('Get-'));
      expect(reads.filter((c) => 'Identity' in c.parameters)).toEqual([]);
      expect(reads.filter((c) => c.cmdlet === 'Get-User').every((c) => c.parameters.ResultSize === 'Unlimited')).toBe(
        true,
      );
    } finally {
      tf.cleanup();
    }
  });
});
