/**
 * A small collector for validation problems with JSON paths, shared by fixture, state-file and inspection-body
 * validation so every "your input is wrong" message reads the same way: `path: what is expected, got what`.
 */

export class Problems {
  readonly list: string[] = [];
  /** Stop collecting after this many: one typo repeated 60,000 times should not produce 60,000 lines. */
  private static readonly LIMIT = 25;
  private dropped = 0;

  add(path: string, message: string): void {
    if (this.list.length < Problems.LIMIT) this.list.push(`${path || '(top level)'}: ${message}`);
    else this.dropped++;
  }

  get ok(): boolean {
    return this.list.length === 0;
  }

  /** The problems as an indented bullet list. */
  format(): string {
    const lines = this.list.map((p) => `  - ${p}`);
    if (this.dropped > 0) lines.push(`  - ... and ${this.dropped} more`);
    return lines.join('\n');
  }
}

/** A short, quoted rendering of a value for "got ..." in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** Reports keys not in `allowed` (keys starting with `$`, like `$comment`, are always allowed). */
export function checkKnownKeys(
  object: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  problems: Problems,
): void {
  for (const key of Object.keys(object)) {
    if (key.startsWith('$') || allowed.includes(key)) continue;
    const hint = allowed.find((a) => a.toLowerCase() === key.toLowerCase());
    problems.add(
      joinPath(path, key),
      hint
        ? `unknown key; did you mean "${hint}"? (keys are case-sensitive)`
        : `unknown key; expected one of ${allowed.join(', ')}`,
    );
  }
}

export function checkBoolean(
  value: unknown,
  path: string,
  problems: Problems,
  options: { nullable?: boolean } = {},
): void {
  if (typeof value === 'boolean') return;
  if (value === null && options.nullable) return;
  problems.add(path, `must be true or false${options.nullable ? ' or null' : ''}, got ${describeValue(value)}`);
}

export function checkString(
  value: unknown,
  path: string,
  problems: Problems,
  options: { nullable?: boolean; maxLength?: number } = {},
): void {
  if (value === null && options.nullable) return;
  if (typeof value !== 'string' || value.length === 0) {
    problems.add(path, `must be a non-empty string${options.nullable ? ' or null' : ''}, got ${describeValue(value)}`);
  } else if (options.maxLength !== undefined && value.length > options.maxLength) {
    problems.add(path, `must be at most ${options.maxLength} characters, got ${value.length}`);
  }
}
