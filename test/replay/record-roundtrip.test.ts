/**
 * Record, then replay: the REST bridge with EXOFORM_WIRE_RECORD writes a redacted transcript of a real exchange with
 * the emulator; the transcript, given a call and an expectation, replays to the same outcome. The recorded file holds
 * neither the token nor an Authorization header.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError } from '../../src/bridge/errors';
import { RestBridge } from '../../src/bridge/rest/rest-bridge';
import { StaticTokenProvider } from '../../src/bridge/rest/token-provider';
import type { WireTranscript } from '../../src/bridge/rest/wire-record';
import { DEMO_TENANT, startTestEmulator } from '../support/emulator';
import { compare, replay, type ReplayFixture } from './replay-harness';

test('a transcript recorded with EXOFORM_WIRE_RECORD replays to the same outcome and holds no token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'exoform-record-'));
  const file = join(dir, 'wire-{pid}.json');
  process.env.EXOFORM_WIRE_RECORD = file; // read by the recorder on the first exchange of this test file's process
  const emulator = await startTestEmulator();
  try {
    const bridge = new RestBridge({
      organization: DEMO_TENANT,
      endpoint: emulator.url,
      tokenProvider: new StaticTokenProvider(emulator.token),
      pageSize: 2,
    });
    const listed = await bridge.invoke('Get-CASMailbox', { ResultSize: 'Unlimited' });
    const missing = await bridge
      .invoke('Get-CASMailbox', { Identity: 'nobody-here@contoso.onmicrosoft.com' })
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    await bridge.close();

    const text = readFileSync(file.replace('{pid}', String(process.pid)), 'utf8');
    expect(text).not.toContain(emulator.token);
    expect(text.toLowerCase()).not.toContain('"authorization"');
    const transcript = JSON.parse(text) as WireTranscript;
    const pages = transcript.exchanges.length - 1;
    expect(pages).toBeGreaterThan(1); // a page size of 2 made the demo tenant's listing several pages

    const listing: ReplayFixture = {
      format: 'exoform-wire-transcript/1',
      name: 'recorded-listing',
      source: 'recorded from the exoform emulator in this test',
      call: { cmdlet: 'Get-CASMailbox', parameters: { ResultSize: 'Unlimited' } },
      expect: { rows: listed.rows.length, samePagedBody: true },
      exchanges: transcript.exchanges.slice(0, pages),
    };
    expect(compare(listing.expect, await replay(listing, DEMO_TENANT))).toEqual([]);
    const notFound: ReplayFixture = {
      ...listing,
      name: 'recorded-not-found',
      call: { cmdlet: 'Get-CASMailbox', parameters: { Identity: 'nobody-here@contoso.onmicrosoft.com' } },
      expect: { error: 'not-found' },
      exchanges: transcript.exchanges.slice(pages),
    };
    expect(compare(notFound.expect, await replay(notFound, DEMO_TENANT))).toEqual([]);
  } finally {
    delete process.env.EXOFORM_WIRE_RECORD;
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
