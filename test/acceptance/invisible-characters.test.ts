/**
 * Invisible characters in identities, with the real terraform: an allow list saved by Windows Notepad (UTF-8 with
 * a byte order mark, CRLF) read with `split` and `trimspace` fails the plan with an error that names the byte order
 * mark, its code point, where it comes from and `mailbox_list(file(...))`; the same file read with `mailbox_list`
 * plans. A zero-width space and a no-break space copied into a single resource's identity are named the same way,
 * checked in process in test/provider/resources/invisible-characters.test.ts.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace, type RunResult } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const flat = (result: RunResult): string =>
  `${result.stdout}\n${result.stderr}`.replace(/\s*│\s*/g, ' ').replace(/\s+/g, ' ');

const NOTEPAD_FILE = '\ufeffsean@contoso.com\r\nchris@contoso.com\r\n';

function listReading(expression: string): string {
  return `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = ${expression}
  smtp_client_authentication_disabled = false
}
`;
}

describe('invisible characters in identities', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  test('a Notepad allow list read with split and trimspace names the byte order mark and mailbox_list', async () => {
    const split =
      '{ for line in split("\\n", file("${path.module}/allow.txt")) : trimspace(line) => "" if trimspace(line) != "" }';
    const tf = new TerraformWorkspace(
      { 'main.tf': listReading(split), 'allow.txt': NOTEPAD_FILE },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      const failed = await tf.run(['plan', '-no-color', '-input=false']);
      expect(failed.code).toBe(1);
      const text = flat(failed);
      expect(text).toContain('Error: Invalid mailbox identity in `identities`');
      expect(text).toContain(
        'contains a byte order mark (U+FEFF): Windows Notepad starts the files it saves as UTF-8 with one',
      );
      expect(text).toContain('it is at the start');
      expect(text).toContain('provider::exchangeonline::mailbox_list(file("..."))');
      expect(text).not.toContain('white space');

      // The remedy the error gives works on the same file.
      tf.write({ 'main.tf': listReading('provider::exchangeonline::mailbox_list(file("${path.module}/allow.txt"))') });
      const planned = await tf.plan(2);
      expect(Object.keys(planned.plan.resource_changes![0].change.after.identities)).toEqual([
        'chris@contoso.com',
        'sean@contoso.com',
      ]);
    } finally {
      tf.cleanup();
    }
  });
});
