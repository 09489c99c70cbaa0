/**
 * Opt one old device in to legacy TLS: a scanner that only speaks TLS 1.0/1.1 submits through the legacy endpoint
 * (Set-TransportConfig -AllowLegacyTLSClients $true), and its mailbox is allowed to use SMTP AUTH. The output tells
 * whoever configures the device where to connect. Destroying the stack turns legacy TLS back off.
 */
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { SmtpAuthBaseline, provider } from '../../../constructs';

const app = new App();
const stack = new TerraformStack(app, 'legacy-tls');
new provider.ExchangeonlineProvider(stack, 'exchangeonline');

const baseline = new SmtpAuthBaseline(stack, 'baseline', {
  allowedMailboxes: ['scanner@contoso.com'],
  allowLegacyTlsClients: true,
  restoreOnDestroy: true, // put the tenant's original transport settings back on destroy
});

new TerraformOutput(stack, 'legacy_endpoint', { value: baseline.transportConfig.legacyTlsClientEndpoint });

app.synth();
