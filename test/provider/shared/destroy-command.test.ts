/**
 * Which command lines of the process that started the provider are a destroy (destroy-command.ts). That a real
 * `terraform destroy` is recognized from the provider process is checked end to end in
 * test/acceptance/vanished-objects.test.ts and destroy-after-outside-changes.test.ts; here, the rules on argument
 * lists, that a provider started by anything else (this test runner) is not under a destroy, and the warnings that
 * plan-time errors become under one (which Terraform does not show when the destroy succeeds).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDestroyInvocation, servesDestroyCommand } from '../../../src/provider/shared/destroy-command';

describe('isDestroyInvocation', () => {
  test.each([
    [['terraform', 'destroy']],
    [['terraform', 'destroy', '-auto-approve', '-refresh=false']],
    [['/usr/local/bin/terraform', '-chdir=stacks/contoso', 'destroy']],
    [['terraform', 'apply', '-destroy', '-auto-approve']],
    [['terraform', 'plan', '-input=false', '-destroy=true', '-out=destroy.tfplan']],
    [['terraform', 'apply', '--destroy']],
    [['tofu', 'destroy']],
    [['/home/ci/.tfenv/versions/1.12.2/terraform_1.12.2', 'destroy']],
    [['C:\\tools\\terraform.exe', 'destroy']],
  ])('%j is a destroy', (argv) => {
    expect(isDestroyInvocation(argv)).toBe(true);
  });

  test.each([
    [['terraform', 'apply', '-auto-approve']],
    [['terraform', 'plan']],
    [['terraform', 'apply', 'destroy.tfplan']], // a saved plan, whatever its name: its plan was made before
    [['terraform', 'apply', '-destroy=false']],
    [['terraform', 'apply', '-var', 'mode=destroy']],
    [['terraform', 'import', 'exchangeonline_mailbox_smtp_auth.sean', 'destroy']],
    [['terraform', '-chdir=destroy', 'apply']],
    [['terraform']],
    [['terraform-provider-exchangeonline_v0.2.0', 'destroy']],
    [['node', 'destroy']],
    [['/bin/sh', 'terraform', 'destroy']],
  ])('%j is no destroy', (argv) => {
    expect(isDestroyInvocation(argv)).toBe(false);
  });
});

test('a provider process started by anything but terraform or tofu is not under a destroy', () => {
  // This process's parent is Jest (node): its plan-time lookups keep failing for a missing object.
  expect(servesDestroyCommand()).toBe(false);
});

/**
 * A real process chain: a `terraform` (node under that name) running `destroy` (a script of that name) starts the
 * "provider" (node), which reads its parent's command line as the packaged provider does. The provider plans two
 * resources that disagree on one mailbox, and passes on an "already exists" error as the policy resource does.
 */
describe('warnsUnderDestroy', () => {
  const repo = join(__dirname, '..', '..', '..');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'exoform-destroy-command-'));
    symlinkSync(process.execPath, join(dir, 'terraform'));
    for (const command of ['destroy', 'apply'])
      writeFileSync(
        join(dir, command),
        "const r = require('node:child_process').spawnSync(process.execPath, [__dirname + '/provider.js'], { stdio: 'inherit' });\n" +
          'process.exit(r.status ?? 1);\n',
      );
    writeFileSync(
      join(dir, 'provider.js'),
      `require(${JSON.stringify(join(repo, 'node_modules/tsx/dist/cjs/index.cjs'))});
const { notePlannedMailboxValue } = require(${JSON.stringify(join(repo, 'src/provider/shared/planned-mailbox-values.ts'))});
const { warnsUnderDestroy } = require(${JSON.stringify(join(repo, 'src/provider/shared/destroy-command.ts'))});
const { DiagnosticError, errorDiagnostic } = require(${JSON.stringify(join(repo, 'src/protocol/diagnostics.ts'))});
const warnings = [];
const warn = (summary, detail, path) => warnings.push({ summary, detail, path });
const outcome = {};
try {
  const client = {};
  notePlannedMailboxValue(client, ['sean@contoso.com'], false, 'list:a', 'an exchangeonline_mailbox_smtp_auth_list (which lists it)', warn);
  notePlannedMailboxValue(client, ['sean@contoso.com'], true, 'mailbox:sean', 'an exchangeonline_mailbox_smtp_auth', warn);
  const taken = new DiagnosticError(errorDiagnostic('Authentication policy "Legacy SMTP" already exists', 'Import it instead.', ['name']));
  outcome.taken = warnsUnderDestroy(taken, warn);
  outcome.other = warnsUnderDestroy(new Error('connection reset'), warn);
} catch (error) {
  outcome.thrown = error.message;
}
console.log(JSON.stringify({ ...outcome, warnings }));
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (command: string): Record<string, unknown> =>
    JSON.parse(execFileSync(join(dir, 'terraform'), [command], { cwd: dir, encoding: 'utf8' }));

  test('under `terraform destroy`, each error warns with its own text, its path, and that the destroy goes on', () => {
    const { warnings, ...outcome } = run('destroy') as { warnings: Array<Record<string, unknown>> };
    expect(outcome).toEqual({ taken: true, other: false }); // an error that is no DiagnosticError is rethrown
    const goesOn =
      'This does not stop the destroy, which creates and changes nothing: it removes what is in the state. ' +
      'An apply of this configuration still fails here until this is fixed.';
    expect(warnings).toEqual([
      {
        summary: 'Mailbox "sean@contoso.com" is managed twice with different values',
        detail: expect.stringMatching(
          /^This resource sets smtp_client_authentication_disabled = true for it, and an exchangeonline_mailbox_smtp_auth_list \(which lists it\) in the same configuration sets false: .* Manage each mailbox in one resource only \(remove it from one of them\)\.\n\n/,
        ),
        path: ['smtp_client_authentication_disabled'],
      },
      {
        summary: 'Authentication policy "Legacy SMTP" already exists',
        detail: `Import it instead.\n\n${goesOn}`,
        path: ['name'],
      },
    ]);
    expect(String(warnings[0].detail).endsWith(`\n\n${goesOn}`)).toBe(true);
  });

  test('under `terraform apply`, the conflict fails as before and nothing warns', () => {
    expect(run('apply')).toEqual({
      thrown: expect.stringMatching(/^Mailbox "sean@contoso.com" is managed twice with different values: /),
      warnings: [],
    });
  });
});
