/**
 * Collects "where: what is wrong" lines so a fleet with several mistakes reports all of them at once.
 * Internal: not exported from constructs/index.ts.
 */

export class Problems {
  private static readonly LIMIT = 40;
  readonly list: string[] = [];
  private dropped = 0;

  add(where: string, message: string): void {
    if (this.list.length < Problems.LIMIT) this.list.push(`${where || '(top level)'}: ${message}`);
    else this.dropped++;
  }

  get ok(): boolean {
    return this.list.length === 0;
  }

  format(): string {
    const lines = this.list.map((problem) => `  - ${problem}`);
    if (this.dropped > 0) lines.push(`  - ... and ${this.dropped} more`);
    return lines.join('\n');
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** Unknown keys are mistakes (a misspelt `exclusive` must not be ignored); `$comment`-style keys are allowed. */
export function checkKnownKeys(
  object: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
  problems: Problems,
): void {
  for (const key of Object.keys(object)) {
    if (key.startsWith('$') || allowed.includes(key)) continue;
    const near = (a: string): string => a.toLowerCase().replace(/s$/, '');
    const hint = allowed.find((a) => near(a) === near(key));
    if (/secret|password|token|private.?key/i.test(key) && !hint) {
      problems.add(
        joinPath(where, key),
        'secrets are never written in the fleet file; put credentials under `credentials` as references ({ env: TF_VAR_... } or { file: path })',
      );
    } else {
      const note = hint && hint.toLowerCase() === key.toLowerCase() ? ' (keys are case-sensitive)' : '';
      problems.add(
        joinPath(where, key),
        hint ? `unknown key; did you mean "${hint}"?${note}` : `unknown key; expected one of ${allowed.join(', ')}`,
      );
    }
  }
}
