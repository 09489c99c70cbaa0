/** renderJsonChunks: the JSON report in pieces, joined exactly as `JSON.stringify(report, null, 2)` writes it. */
import { renderJsonChunks } from '../../src/report/render-json';
import type { ReadinessReport } from '../../src/report/report-model';

const report = (tenants: unknown[]): ReadinessReport =>
  ({
    schemaVersion: 1,
    generatedAt: '2026-12-07T00:00:00.000Z',
    evidenceWindowDays: 30,
    change: 'a "quoted"\nchange',
    totals: { tenants: tenants.length, notRead: 0, mailboxes: 0, verdicts: {}, tenantVerdicts: {} },
    tenants,
  }) as unknown as ReadinessReport;

describe('renderJsonChunks', () => {
  it('joins to JSON.stringify(report, null, 2) and a newline, one piece per tenant', () => {
    const tenants = [
      {
        tenant: 'a.onmicrosoft.com',
        mailboxes: [{ upn: 'x@a', note: 'line\nbreak', nested: { deep: [1, [2, {}]] } }],
        error: undefined,
      },
      { tenant: 'b.onmicrosoft.com', mailboxes: [] },
    ];
    const chunks = [...renderJsonChunks(report(tenants))];
    expect(chunks.join('')).toBe(`${JSON.stringify(report(tenants), null, 2)}\n`);
    expect(chunks.filter((chunk) => chunk.includes('"tenant":'))).toHaveLength(2);
  });

  it('writes an empty fleet as JSON.stringify does', () => {
    expect([...renderJsonChunks(report([]))].join('')).toBe(`${JSON.stringify(report([]), null, 2)}\n`);
  });
});
