/**
 * The replay corpus: every fixture in test/replay/fixtures is served over real HTTP to the real REST bridge, and the
 * bridge's outcome must be the fixture's `expect`. Each fixture names the public client or file that shows its shape.
 */
import { compare, loadFixtures, replay } from './replay-harness';

const fixtures = loadFixtures();

/**
 * Shapes the REST bridge on this branch does not handle yet: their handling is issue 9 part B (evidence-driven error
 * classification, dropped non-final-page warnings, @adminapi.errors as a failure). `test.failing` runs them and
 * passes only while they still fail; when the bridge is fixed, Jest reports them and the name comes off this list.
 */
describe('replay corpus', () => {
  test('every fixture names its public source and is a transcript', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(13);
    for (const fixture of fixtures) {
      expect([fixture.name, fixture.format]).toEqual([fixture.name, 'exoform-wire-transcript/1']);
      expect([fixture.name, typeof fixture.source === 'string' && fixture.source.length > 10]).toEqual([
        fixture.name,
        true,
      ]);
      expect([fixture.name, fixture.exchanges.length > 0]).toEqual([fixture.name, true]);
    }
  });

  test('the harness notices a wrong outcome and a request that is not the recorded one', async () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'not-found-pipe')!;
    expect(compare({ rows: 1 }, await replay(fixture))).toEqual([
      expect.stringMatching(/expected 1 row\(s\), got a not-found error/),
    ]);
    const offPath = {
      ...fixture,
      exchanges: fixture.exchanges.map((exchange) => ({
        ...exchange,
        request: { ...exchange.request, url: '/adminapi/beta/{tenant}/$batch' },
      })),
    };
    expect(compare(fixture.expect, await replay(offPath))).toEqual([
      expect.stringMatching(
        /request #1: POST \/adminapi\/beta\/contoso\.onmicrosoft\.com\/InvokeCommand, the transcript has POST .*\$batch/,
      ),
    ]);
  });

  for (const fixture of fixtures) {
    test(`${fixture.name}: ${fixture.description ?? ''} (${fixture.source})`, async () => {
      const result = await replay(fixture);
      expect(compare(fixture.expect, result)).toEqual([]);
    });
  }
});
