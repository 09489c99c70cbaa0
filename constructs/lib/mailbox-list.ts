/**
 * MailboxList — the seeds' allow-list format ("Allow SMTP AUTH.txt"): one mailbox a line.
 *
 * - Lines are trimmed; blank lines and lines starting with `#` are skipped; ` # ...` after an address is a comment.
 * - Every other line must be one mailbox address (user principal name or primary SMTP address) or a mailbox GUID.
 *   A line that is not is an error, reported with its line number, never dropped: a typo in an allow list must not
 *   silently take SMTP AUTH away from a device.
 * - Entries are de-duplicated case-insensitively (Exchange identities are not case-sensitive); the first spelling
 *   is kept and every duplicate is recorded in `duplicates`, so constructs can warn about it.
 */
import { readFileSync } from 'node:fs';
import { mailboxEntryProblem } from './allow-list';

export interface MailboxListProblem {
  /** 1-based line number in a file or text, or 1-based position in an array. */
  readonly line: number;
  /** The offending entry, trimmed. */
  readonly entry: string;
  /** Why it cannot be a mailbox, e.g. `the domain "contoso" has no dot`. */
  readonly problem: string;
}

export interface MailboxListDuplicate {
  /** Where the duplicate is (1-based). */
  readonly line: number;
  readonly entry: string;
  /** Where the same mailbox first appeared, and how it was spelled there (the spelling kept). */
  readonly firstLine: number;
  readonly first: string;
}

/** Thrown when a list has entries that cannot be mailboxes. Lists every bad entry at once. */
export class MailboxListError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly MailboxListProblem[],
    readonly unit: 'line' | 'entry' = 'line',
  ) {
    super(
      `${source}: ${problems.length} ${problems.length === 1 ? 'entry is' : 'entries are'} not a mailbox:\n` +
        problems.map((p) => `  ${unit} ${p.line}: ${JSON.stringify(p.entry)} ${p.problem}`).join('\n') +
        `\nFix: one mailbox address (UPN or primary SMTP address) or mailbox GUID a ${unit}` +
        (unit === 'line' ? '; comment a line out with # to skip it.' : '.') +
        ' Nothing was dropped from the list.',
    );
    this.name = 'MailboxListError';
  }
}

// The one rule for what a list entry may be, shared with the provider's mailbox_list function.
export { mailboxEntryProblem };

interface RawEntry {
  line: number;
  entry: string;
}

export class MailboxList {
  /**
   * Reads a text file in the seeds' format (UTF-8, with or without a BOM; LF or CRLF line ends).
   * Throws MailboxListError naming the file and each bad line.
   */
  static fromFile(path: string): MailboxList {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(
        `Cannot read the mailbox list ${path}: ${(error as Error).message}. Check the path (relative paths are relative to the current directory).`,
      );
    }
    return MailboxList.fromText(text, path);
  }

  /** Parses text in the file format; `source` names it in errors. */
  static fromText(text: string, source = 'mailbox list'): MailboxList {
    const entries: RawEntry[] = [];
    text
      .replace(/^\ufeff/, '')
      .split(/\r\n|\n|\r/)
      .forEach((raw, index) => {
        // "# ..." after white space is a comment; a "#" inside an address (legal in a local part) is not.
        const line = raw.replace(/\s#.*$/u, '').trim();
        if (line === '' || line.startsWith('#')) return;
        entries.push({ line: index + 1, entry: line });
      });
    return new MailboxList(source, entries, 'line');
  }

  /**
   * Takes mailboxes from an array: each element is trimmed and must be a mailbox (blank elements and comments are
   * errors here, since in code they are mistakes). `source` names the array in errors.
   */
  static fromArray(entries: readonly string[], source = 'mailbox array'): MailboxList {
    return new MailboxList(
      source,
      entries.map((entry, index) => ({
        line: index + 1,
        entry: typeof entry === 'string' ? entry.trim() : String(entry),
      })),
      'entry',
    );
  }

  static isMailboxList(value: unknown): value is MailboxList {
    return value instanceof MailboxList;
  }

  /** Where the list came from: a file path, or the name given to fromArray/fromText. */
  readonly source: string;
  /** The mailboxes, in list order, each once (first spelling kept). */
  readonly mailboxes: readonly string[];
  /** Every entry that repeated an earlier one (case-insensitively); kept out of `mailboxes`, never lost. */
  readonly duplicates: readonly MailboxListDuplicate[];
  private readonly keys: ReadonlySet<string>;
  private readonly unit: 'line' | 'entry';

  private constructor(source: string, entries: RawEntry[], unit: 'line' | 'entry') {
    const problems: MailboxListProblem[] = [];
    const first = new Map<string, RawEntry>();
    const duplicates: MailboxListDuplicate[] = [];
    for (const raw of entries) {
      const problem = mailboxEntryProblem(raw.entry);
      if (problem) {
        problems.push({ line: raw.line, entry: raw.entry, problem });
        continue;
      }
      const key = raw.entry.toLowerCase();
      const earlier = first.get(key);
      if (earlier) duplicates.push({ line: raw.line, entry: raw.entry, firstLine: earlier.line, first: earlier.entry });
      else first.set(key, raw);
    }
    if (problems.length) throw new MailboxListError(source, problems, unit);
    this.source = source;
    this.unit = unit;
    this.mailboxes = Object.freeze([...first.values()].map((raw) => raw.entry));
    this.duplicates = Object.freeze(duplicates);
    this.keys = new Set(first.keys());
  }

  get size(): number {
    return this.mailboxes.length;
  }

  /** Whether the list names this mailbox (case-insensitive). */
  has(mailbox: string): boolean {
    return this.keys.has(mailbox.trim().toLowerCase());
  }

  /** One line per duplicate, for warnings: `allow.txt: line 7 "Sean@contoso.com" repeats line 2 "sean@contoso.com"`. */
  describeDuplicates(): string[] {
    const unit = this.unit;
    return this.duplicates.map(
      (d) =>
        `${this.source}: ${unit} ${d.line} ${JSON.stringify(d.entry)} repeats ${unit} ${d.firstLine} ${JSON.stringify(d.first)}`,
    );
  }

  toArray(): string[] {
    return [...this.mailboxes];
  }

  /**
   * The list as `exchangeonline_mailbox_smtp_auth_list.identities`: each mailbox a key, with an empty note. (A
   * map, not a set: Terraform compares set elements pairwise, which grows quadratically with the list.)
   */
  toIdentities(): Record<string, string> {
    return Object.fromEntries(this.mailboxes.map((mailbox) => [mailbox, '']));
  }

  [Symbol.iterator](): Iterator<string> {
    return this.mailboxes[Symbol.iterator]();
  }
}
