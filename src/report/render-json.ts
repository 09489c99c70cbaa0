/**
 * The JSON report, in pieces. A fleet of 1,000 tenants × 1,000 mailboxes makes more JSON than one JavaScript string
 * can hold (V8's limit is about 512 MiB: `JSON.stringify` fails with "Invalid string length"), so the report is
 * written a tenant at a time. The pieces join to exactly `JSON.stringify(report, null, 2)` followed by a newline.
 */
import type { ReadinessReport } from './report-model';

/** `JSON.stringify(value, null, 2)` for a value nested `depth` levels deep: its inner lines indented to match. */
function nested(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2)
    .split('\n')
    .join(`\n${'  '.repeat(depth)}`);
}

export function* renderJsonChunks(report: ReadinessReport): Generator<string> {
  const entries = Object.entries(report).filter(([, value]) => value !== undefined && typeof value !== 'function');
  yield '{';
  for (const [index, [key, value]] of entries.entries()) {
    yield `${index === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `;
    if (key === 'tenants' && Array.isArray(value) && value.length > 0) {
      yield '[';
      for (const [i, tenant] of value.entries()) yield `${i === 0 ? '' : ','}\n    ${nested(tenant, 2)}`;
      yield '\n  ]';
    } else {
      yield nested(value, 1);
    }
  }
  yield entries.length === 0 ? '}\n' : '\n}\n';
}
