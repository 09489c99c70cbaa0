/**
 * The provider side of P1 alone, without terraform: the REST bridge and the mailbox directory read a 60,000-mailbox
 * tenant at 250 ms per call and resolve every identity. Run: npx tsx scripts/bench/p1-provider-side.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator';
import { createRestBridge } from '../../src/bridge/rest/create-rest-bridge';
import { ConcurrencyLimitedBridge } from '../../src/bridge/limited-bridge';
import { MailboxDirectory } from '../../src/exchange/mailbox-directory';
(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'p1p-'));
  const em = await startEmulator({
    dataFile: join(dir, 'e.json'),
    token: 't',
    seed: {
      tenants: [
        {
          domain: 'fabrikam.onmicrosoft.com',
          domains: ['fabrikam.com'],
          generatedMailboxes: 60000,
          generatedMailboxSmtpClientAuthenticationDisabled: false,
        },
      ],
    },
  });
  em.control.updateLatency({ callMs: 250, connectMs: 0, pageSize: 1000 });
  const rss0 = process.memoryUsage().rss;
  const bridge = new ConcurrencyLimitedBridge(
    createRestBridge({ organization: 'fabrikam.onmicrosoft.com', endpoint: em.url, accessToken: 't' }),
    { maxConcurrent: 4 },
  );
  const directory = new MailboxDirectory(bridge);
  const t0 = Date.now();
  const all = await directory.all({ bridge });
  const identities = all.map((m) => m.primarySmtpAddress);
  let found = 0;
  for (const id of identities) if ((await directory.resolve({ bridge }, id)).kind === 'one') found++;
  const ms = Date.now() - t0;
  const stats = em.control.stats.snapshot();
  console.log(
    JSON.stringify({
      mailboxes: all.length,
      resolved: found,
      seconds: ms / 1000,
      requests: stats.totalRequests,
      heapMiB: Math.round((process.memoryUsage().rss - rss0) / 1048576),
    }),
  );
  await bridge.close();
  await em.close();
})();
