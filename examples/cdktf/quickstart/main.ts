/**
 * Quickstart: the recommended SMTP AUTH posture for one tenant, in TypeScript.
 *
 * SMTP AUTH off for the organization, legacy TLS clients kept out, and one named exception: the office scanner,
 * which cannot do OAuth. Every other mailbox that has SMTP AUTH switched on by hand goes back to the organization
 * setting (`exclusive`, on by default).
 *
 * The provider reads tenant, endpoint and credentials from the EXO_* environment variables, so the same app runs
 * against the local emulator (npm start) and a real tenant. Against your own tenant, name your exceptions in a file
 * with one mailbox a line: EXOFORM_ALLOW_LIST=allow-smtp-auth.txt.
 *
 *   npx cdktf deploy --skip-provider-lock      (from the repository root: this is the root app in cdktf.json)
 */
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { MailboxList, SmtpAuthBaseline, provider } from '../../../constructs';

const app = new App();
const stack = new TerraformStack(app, 'quickstart');

new provider.ExchangeonlineProvider(stack, 'exchangeonline');

const baseline = new SmtpAuthBaseline(stack, 'baseline', {
  allowedMailboxes: process.env.EXOFORM_ALLOW_LIST
    ? MailboxList.fromFile(process.env.EXOFORM_ALLOW_LIST)
    : ['scanner@contoso.com'],
});

new TerraformOutput(stack, 'smtp_auth_disabled_org_wide', {
  value: baseline.transportConfig.smtpClientAuthenticationDisabled,
});
new TerraformOutput(stack, 'original_settings', {
  description: 'What the tenant had before Terraform managed it.',
  value: baseline.transportConfig.originalSettings,
});

app.synth();
