/**
 * The allow list as a file, in the seeds' format ("Allow SMTP AUTH.txt"): one mailbox a line, blank lines and
 * `# comments` skipped, duplicates counted once (with a warning). A line that is not a mailbox stops the synth with
 * its line number; nothing is dropped silently.
 *
 * The devices on the list also get an authentication policy that still allows Basic authentication for SMTP and
 * nothing else, in case the organization default blocks it.
 */
import { join } from 'node:path';
import { App, Fn, TerraformOutput, TerraformStack } from 'cdktf';
import { MailboxList, SmtpAuthBaseline, provider } from '../../../constructs';

const app = new App();
const stack = new TerraformStack(app, 'allow-list-file');
new provider.ExchangeonlineProvider(stack, 'exchangeonline');

const allowList = MailboxList.fromFile(join(__dirname, 'allow-smtp-auth.txt'));

const baseline = new SmtpAuthBaseline(stack, 'baseline', {
  allowedMailboxes: allowList,
  authenticationPolicy: {
    name: 'Allow Basic SMTP',
    allowBasicAuth: ['smtp'],
    // assignTo defaults to the allowed mailboxes.
  },
});

// The list's members are the keys of its identities map.
new TerraformOutput(stack, 'allowed_mailboxes', { value: Fn.sort(Fn.keys(baseline.allowList!.identities)) });

app.synth();
