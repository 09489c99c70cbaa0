/**
 * The main job (`npm start`): cdktf.json's root app, the posture printout, and one real run — packaging, the
 * in-process emulator, `cdktf deploy` of the root app, and the posture read back through src/exchange.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPosture, rootAppCommand } from '../../scripts/start';
import type { CasMailbox } from '../../src/exchange/cas-mailbox-operations';

const ROOT = join(__dirname, '..', '..');

test("cdktf.json's root app is the quickstart example, and it pins the provider version the bindings describe", () => {
  const config = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8'));
  expect(rootAppCommand().entry).toBe(join(ROOT, 'examples', 'cdktf', 'quickstart', 'main.ts'));
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  expect(config.terraformProviders).toEqual([`exoform/exchangeonline@${version}`]);
  // `cdktf get` writes its own copy elsewhere; it never overwrites the committed bindings.
  expect(config.codeMakerOutput).not.toMatch(/^constructs/);
});

const mailbox = (address: string, value: boolean | null): CasMailbox => ({
  guid: address,
  identity: address,
  name: address,
  primarySmtpAddress: address,
  emailAddresses: [address],
  smtpClientAuthenticationDisabled: value,
});

test('the posture printout: org values before → after, each mailbox with its own setting and effective state', () => {
  const text = formatPosture(
    'contoso.onmicrosoft.com',
    {
      transport: { smtpClientAuthenticationDisabled: false, allowLegacyTlsClients: false },
      mailboxes: [mailbox('a@contoso.com', null), mailbox('b@contoso.com', false), mailbox('c@contoso.com', null)],
    },
    {
      transport: { smtpClientAuthenticationDisabled: true, allowLegacyTlsClients: false },
      mailboxes: [mailbox('a@contoso.com', false), mailbox('b@contoso.com', null), mailbox('c@contoso.com', true)],
    },
  );
  expect(text).toContain(
    'Organization-wide SMTP AUTH : ENABLED (SmtpClientAuthenticationDisabled=false) → disabled (SmtpClientAuthenticationDisabled=true)',
  );
  expect(text).toContain('Legacy TLS clients          : not allowed (AllowLegacyTLSClients=false)\n');
  expect(text).toMatch(/a@contoso\.com\s+inherit → enabled\s+ENABLED/);
  expect(text).toMatch(/b@contoso\.com\s+enabled → inherit\s+disabled/);
  expect(text).toMatch(/c@contoso\.com\s+inherit → disabled\s+disabled/);
  expect(text).toContain(
    '1 of 3 mailboxes can use SMTP AUTH; 1 enabled on their own, 1 disabled on their own, 1 follow the organization.',
  );
});

test('a large tenant lists only the mailboxes with their own setting or SMTP AUTH on, and counts the rest', () => {
  const many = Array.from({ length: 100 }, (_, i) =>
    mailbox(`user${String(i).padStart(3, '0')}@contoso.com`, i === 7 ? false : null),
  );
  const text = formatPosture('contoso.onmicrosoft.com', undefined, {
    transport: { smtpClientAuthenticationDisabled: true, allowLegacyTlsClients: false },
    mailboxes: many,
  });
  expect(text).toMatch(/user007@contoso\.com\s+enabled\s+ENABLED/);
  expect(text).not.toContain('user008@contoso.com');
  expect(text).toContain('... and 99 more mailboxes that follow the organization');
});

test('npm start deploys the root app with cdktf against the demo tenant and prints the posture', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'exoform-start-'));
  try {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
      const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'start.ts')], {
        cwd: ROOT,
        // Credentials in the caller's environment must not reach the demo.
        env: {
          ...process.env,
          EXOFORM_START_DIRECTORY: directory,
          EXO_ORGANIZATION: 'real.onmicrosoft.com',
          EXO_CLIENT_ID: 'not-used',
          FORCE_COLOR: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit ?? -1, output: text }));
    });
    if (code !== 0) throw new Error(`npm start exited ${code}:\n${output.slice(-5000)}`);
    expect(output).toContain('cdktf deploy --auto-approve --skip-provider-lock');
    expect(output).toContain('SMTP AUTH posture of contoso.onmicrosoft.com');
    expect(output).toMatch(/scanner@contoso\.com\s+inherit → enabled\s+ENABLED/);
    expect(output).toMatch(/sean@contoso\.com\s+inherit\s+disabled/);
    expect(output).toContain('1 of 9 mailboxes can use SMTP AUTH');
    // The quick start ends with the demo tenant's readiness report: the allowed scanner still uses Basic SMTP AUTH.
    expect(output).toMatch(/== contoso \(contoso\.onmicrosoft\.com\): BREAKS/);
    expect(output).toMatch(/scanner@contoso\.com\s+user\s+enabled\s+on\s+allowed\s+mailbox\s+90 ok\/0 failed.*breaks/);
    expect(existsSync(join(directory, 'terraform.quickstart.tfstate'))).toBe(true);
    expect(JSON.parse(readFileSync(join(directory, 'outputs.json'), 'utf8'))).toMatchObject({
      quickstart: { smtp_auth_disabled_org_wide: true },
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
