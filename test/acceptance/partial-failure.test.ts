/**
 * Partial failures are recorded exactly: when one mailbox of a list's apply is refused, the state holds what was
 * applied and marks the one that was not, the error names it, and the next apply finishes. Run through both bridges
 * (README, "The PowerShell tier").
 */
import { TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { ADDRESS, files, type ListState } from '../support/smtp-auth-list';

// Six terraform commands, each starting the provider (and, over PowerShell, a pwsh session): more than the default
// two minutes on a loaded 2-core machine. A bound against hangs, not a timing target.
jest.setTimeout(300_000);

describe('partial failure of a mailbox_smtp_auth_list apply', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test('a partial failure records exactly what was applied, reports each failed mailbox, and the next apply finishes', async () => {
    const tf = new TerraformWorkspace(files(['sean@contoso.com', 'chris@contoso.com']), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      tf.write(
        files([
          'sean@contoso.com',
          'chris@contoso.com',
          'akol@contoso.com',
          'tjohnston@contoso.com',
          'kakers@contoso.com',
        ]),
      );
      // The 2nd Set-CASMailbox of the next apply is refused (not retryable).
      await emulator.inspect.addFault({
        cmdlet: 'Set-CASMailbox',
        nth: 2,
        times: 1,
        status: 400,
        message: 'Simulated rejection of one mailbox.',
      });
      const failed = await tf.run(['apply', '-no-color', '-input=false', '-auto-approve']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/Could not set SMTP AUTH for/);
      expect((failed.stderr.match(/Could not set SMTP AUTH for/g) ?? []).length).toBe(1);

      const overrides = await emulator.inspect.overrides([
        'akol@contoso.com',
        'tjohnston@contoso.com',
        'kakers@contoso.com',
      ]);
      const applied = Object.entries(overrides)
        .filter(([, value]) => value === false)
        .map(([upn]) => upn);
      const notApplied = Object.entries(overrides)
        .filter(([, value]) => value === null)
        .map(([upn]) => upn);
      expect([applied.length, notApplied.length]).toEqual([2, 1]);
      // The state says exactly that: the one that failed is out of sync, the rest are in line.
      const state = (await tf.resourceValues(ADDRESS)) as ListState;
      expect(state.out_of_sync).toEqual({ [notApplied[0]]: 'unknown' });

      const remaining = await tf.plan(2);
      expect(remaining.plan.resource_changes![0].change.actions).toEqual(['update']);
      expect(remaining.plan.resource_changes![0].change.before.out_of_sync).toEqual({ [notApplied[0]]: 'inherit' }); // refreshed
      await emulator.inspect.clearCalls();
      await tf.apply();
      expect(await emulator.inspect.overrides([notApplied[0]])).toEqual({ [notApplied[0]]: false });
      expect((await emulator.inspect.callsTo('Set-CASMailbox')).map((c) => c.parameters.Identity)).toEqual([
        notApplied[0],
      ]);
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });
});
