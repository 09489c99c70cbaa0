/**
 * The seeds' allow-list file format ("Allow SMTP AUTH.txt"): one mailbox a line, as people really save it.
 *
 * - UTF-8 with or without a byte-order mark (Notepad writes one); LF or CRLF line ends.
 * - Blank lines and lines whose first non-blank character is `#` are skipped.
 * - ` # text` after an address (a `#` after white space) is a comment on that mailbox: its note. A `#` inside an
 *   address is part of it (legal in a local part).
 * - Every other line must be one mailbox address (user principal name or primary SMTP address) or a mailbox GUID.
 *   Invisible characters (zero-width spaces, no-break spaces, control characters, a stray byte-order mark) are
 *   refused by name and code point: they come from copy-paste, and Exchange would not find the mailbox.
 * - The same mailbox twice (case-insensitively, as Exchange compares identities) is refused, naming both lines.
 *
 * Nothing is dropped silently: a typo in an allow list must not take SMTP AUTH away from a device. Used by the
 * provider's `mailbox_list` function; the CDKTF MailboxList construct shares `mailboxEntryProblem`.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Characters RFC 5322 allows unquoted in a local part, plus any letter or digit (internationalised addresses). */
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
/**
 * Control characters and the invisible ones that survive copy-paste from web pages and spreadsheets: soft hyphen,
 * zero-width and direction marks, no-break spaces, word joiners, byte-order marks.
 */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00a0\u00ad\u2007\u200b-\u200f\u2028\u2029\u202a-\u202f\u2060-\u2064\ufeff]/u;
const MAX_ADDRESS_LENGTH = 320;
/**
 * Plain ASCII addresses, which nearly every line is: accepted here without the checks below (each of which such an
 * address passes), so a 60,000-line list parses in a fraction of the time.
 */
const SIMPLE_ADDRESS =
  /^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

const CHARACTER_NAMES: Readonly<Record<number, string>> = {
  0x09: 'a tab',
  0x0d: 'a carriage return',
  0xa0: 'a no-break space',
  0xad: 'a soft hyphen',
  0x2007: 'a figure space',
  0x200b: 'a zero-width space',
  0x200c: 'a zero-width non-joiner',
  0x200d: 'a zero-width joiner',
  0x200e: 'a left-to-right mark',
  0x200f: 'a right-to-left mark',
  0x202f: 'a narrow no-break space',
  0x2060: 'a word joiner',
  0xfeff: 'a byte-order mark (zero-width no-break space)',
};

function describeCharacter(character: string): string {
  const code = character.codePointAt(0)!;
  const point = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name =
    CHARACTER_NAMES[code] ??
    (code < 0x20 || (code >= 0x7f && code <= 0x9f) ? 'a control character' : 'an invisible character');
  return `${name} (${point})`;
}

/**
 * Why `entry` (already trimmed) cannot be a mailbox address or GUID, or undefined when it can. Mailboxes are named
 * by address here, not by alias or display name: those can match several mailboxes, addresses and GUIDs cannot.
 */
export function mailboxEntryProblem(entry: string): string | undefined {
  if (entry === '') return 'is empty';
  if (entry.length <= MAX_ADDRESS_LENGTH && SIMPLE_ADDRESS.test(entry) && entry.indexOf('@') <= 64) return undefined;
  const invisible = INVISIBLE.exec(entry);
  if (invisible) return `contains ${describeCharacter(invisible[0])}; retype the line`;
  if (GUID.test(entry)) return undefined;
  if (entry.length > MAX_ADDRESS_LENGTH)
    return `is ${entry.length} characters long; a mailbox address has at most ${MAX_ADDRESS_LENGTH}`;
  if (/^mailto:/i.test(entry)) return `starts with "mailto:"; keep only the address`;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(entry);
  if (angle || /["<>]/.test(entry))
    return `looks like a display name with an address; keep only the address${angle ? ` (${angle[1]})` : ''}`;
  if (/[,;]/.test(entry)) return 'contains "," or ";": put one mailbox on each line, not a list';
  if (/\s/u.test(entry)) return 'contains white space: put one mailbox on each line';
  const at = entry.lastIndexOf('@');
  if (at < 0) return 'has no "@": use the mailbox address (user principal name or primary SMTP address) or its GUID';
  const local = entry.slice(0, at);
  const domain = entry.slice(at + 1);
  if (local.includes('@')) return 'has more than one "@"';
  if (local === '') return 'has nothing before the "@"';
  if (local.length > 64) return `has a local part of ${local.length} characters; at most 64`;
  if (!LOCAL_PART.test(local)) {
    const bad = [...local].find((c) => !LOCAL_PART.test(c));
    return `has a character a mailbox address cannot contain before the "@": ${JSON.stringify(bad)}`;
  }
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return 'has a misplaced "." before the "@" (at the start, the end, or two in a row)';
  if (domain === '') return 'has nothing after the "@"';
  const labels = domain.split('.');
  if (labels.length < 2)
    return `has the domain "${domain}" with no dot; use the full domain, e.g. ${local}@${domain}.com`;
  const badLabel = labels.find((label) => !DOMAIN_LABEL.test(label));
  if (badLabel !== undefined)
    return `has an invalid domain "${domain}"${badLabel === '' ? ' (an empty part between dots)' : ` (the part "${badLabel}")`}`;
  if (!/^[\p{L}]{2,}$/u.test(labels[labels.length - 1]) && !/^xn--/i.test(labels[labels.length - 1])) {
    return `has a domain "${domain}" that does not end in a top-level domain such as .com`;
  }
  return undefined;
}

export interface AllowListEntry {
  /** 1-based line number. */
  readonly line: number;
  readonly mailbox: string;
  /** The comment after the address (` # ...`), trimmed; "" when there is none. */
  readonly note: string;
}

export interface AllowListProblem {
  readonly line: number;
  /** The line's text without its line end, for the message. */
  readonly text: string;
  readonly problem: string;
}

export interface ParsedAllowList {
  /** Good lines in file order, each mailbox once. */
  readonly entries: readonly AllowListEntry[];
  /** Every bad line, in file order. Empty when the list can be used. */
  readonly problems: readonly AllowListProblem[];
}

const isBlank = (code: number): boolean => code === 0x20 || code === 0x09;

/** Plain spaces and tabs only: a no-break or zero-width space at either end is reported, not trimmed away. */
function trimBlanks(text: string): string {
  if (text === '' || (!isBlank(text.charCodeAt(0)) && !isBlank(text.charCodeAt(text.length - 1)))) return text; // most lines
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

export function parseAllowList(text: string): ParsedAllowList {
  const entries: AllowListEntry[] = [];
  const problems: AllowListProblem[] = [];
  const first = new Map<string, AllowListEntry>();
  text
    .replace(/^\ufeff/, '')
    .split(/\r\n|\n|\r/)
    .forEach((raw, index) => {
      const line = index + 1;
      const content = trimBlanks(raw);
      if (content === '' || content.startsWith('#')) return;
      // "# ..." after white space is the mailbox's note.
      const comment = content.includes('#') ? /[ \t]#/.exec(content) : null;
      const mailbox = comment ? trimBlanks(content.slice(0, comment.index)) : content;
      const note = comment ? trimBlanks(content.slice(comment.index + 2)) : '';
      const hidden = note === '' ? null : INVISIBLE.exec(note);
      const problem =
        mailboxEntryProblem(mailbox) ??
        (hidden ? `has a comment that contains ${describeCharacter(hidden[0])}; retype it` : undefined);
      if (problem) {
        problems.push({ line, text: raw, problem });
        return;
      }
      const key = mailbox.toLowerCase();
      const earlier = first.get(key);
      if (earlier) {
        const spelling =
          earlier.mailbox === mailbox
            ? ''
            : ` (as ${JSON.stringify(earlier.mailbox)}; addresses are not case-sensitive)`;
        problems.push({ line, text: raw, problem: `repeats line ${earlier.line}${spelling}; keep one` });
        return;
      }
      const entry = { line, mailbox, note };
      first.set(key, entry);
      entries.push(entry);
    });
  return { entries, problems };
}
