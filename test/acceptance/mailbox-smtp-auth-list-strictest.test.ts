/**
 * The allow list's full lifecycle with the emulator answering in every observed form at once (`strictest`: JSON
 * error details, paging warnings, strict $batch items, the regional redirect, nextLinks on port 446, rate headers).
 * The list resource's one terraform lifecycle end to end (mailbox-smtp-auth-list.test.ts runs its other cases under
 * the default dialect); each form, cmdlet by cmdlet, is checked at the bridge level in
 * test/bridge/rest/wire-evidence.test.ts. Part of the acceptance tier; `npm run test:strictest` runs it alone.
 */
import { startTestEmulator } from '../support/emulator';
import { allowListLifecycle } from '../support/smtp-auth-list';

describe('exchangeonline_mailbox_smtp_auth_list under the strictest answer dialect', () => {
  test('allow list from a text file, exclusive: strays return to inherit, drift shows, removal inherits, destroy clears', async () => {
    const emulator = await startTestEmulator({ dialect: 'strictest' });
    try {
      await allowListLifecycle(emulator);
    } finally {
      await emulator.stop();
    }
  });
});
