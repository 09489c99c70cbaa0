/**
 * provider::exchangeonline::mailbox_list through the real terraform: the seeds' file exactly as Notepad saves it
 * (UTF-8 byte-order mark, CRLF) becomes the identities map, notes included; a bad file stops the plan with each
 * bad line's number and reason, pointing at the function call. No tenant is needed: the function is pure.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';

const MAIN_TF = `${REQUIRED_PROVIDERS}
output "identities" {
  value = provider::exchangeonline::mailbox_list(file("\${path.module}/Allow SMTP AUTH.txt"))
}
`;

/** How Notepad saves a UTF-8 file: a byte-order mark, CRLF line ends. */
function notepad(lines: string[]): Buffer {
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')]);
}

test('mailbox_list: a Notepad-saved allow list becomes the identities map; bad lines are refused by number and reason', async () => {
  const tf = new TerraformWorkspace({ 'main.tf': MAIN_TF });
  try {
    tf.write({
      'Allow SMTP AUTH.txt': notepad([
        '# Mailboxes allowed to send with SMTP AUTH (one a line).',
        '',
        'scanner@contoso.com   # the multifunction printer in the office',
        'Sean@Contoso.com',
        '   ',
        '  # indented comment',
        'a#b@contoso.com',
        '0f4d7c1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f',
      ]) as unknown as string,
    });
    await tf.init();
    await tf.apply();
    const output = await tf.expect(['output', '-json', 'identities']);
    expect(JSON.parse(output.stdout)).toEqual({
      'scanner@contoso.com': 'the multifunction printer in the office',
      'Sean@Contoso.com': '',
      'a#b@contoso.com': '',
      '0f4d7c1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f': '',
    });

    tf.write({
      'Allow SMTP AUTH.txt': notepad([
        '# header',
        'sean@contoso.com',
        'kim\u200b@contoso.com',
        'printer@contoso.com\u00a0',
        'SEAN@contoso.com # again',
        'Chris Green <chris@contoso.com>',
        'ok@contoso.com',
      ]) as unknown as string,
    });
    const refused = await tf.run(['plan', '-no-color', '-input=false']);
    expect(refused.code).toBe(1);
    const message = refused.stderr.replace(/\s+/g, ' ');
    expect(message).toContain('Invalid function argument');
    expect(message).toContain('provider::exchangeonline::mailbox_list(text)');
    expect(message).toContain('The mailbox list has 4 bad lines');
    expect(message).toContain('line 3: "kim\\u{200B}@contoso.com" contains a zero-width space (U+200B)');
    expect(message).toContain('line 4: "printer@contoso.com\\u{A0}" contains a no-break space (U+00A0)');
    expect(message).toContain(
      'line 5: "SEAN@contoso.com # again" repeats line 2 (as "sean@contoso.com"; addresses are not case-sensitive)',
    );
    expect(message).toContain(
      'line 6: "Chris Green <chris@contoso.com>" looks like a display name with an address; keep only the address (chris@contoso.com)',
    );
    expect(message).not.toContain('line 7');
  } finally {
    tf.cleanup();
  }
});
