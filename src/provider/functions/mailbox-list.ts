/**
 * provider::exchangeonline::mailbox_list(text) — the seeds' allow-list file, as `file()` reads it, turned into the
 * `identities` map of exchangeonline_mailbox_smtp_auth_list (mailbox → note).
 *
 *   identities = provider::exchangeonline::mailbox_list(file("${path.module}/allow-smtp-auth.txt"))
 *
 * The format is src/exchange/allow-list.ts's. A bad line stops the plan with its number and reason (every bad
 * line at once, up to a limit), pointing at the argument; nothing is dropped silently.
 */
import { parseAllowList, type AllowListProblem } from '../../exchange/allow-list';
import type { FunctionSchema } from '../../protocol/schema';
import { FunctionArgumentError, type FunctionDefinition } from '../framework/resource';

/** Bad lines named in one error; a file that is wrong throughout needs no longer message. */
const MAX_REPORTED = 20;

export const mailboxListSchema: FunctionSchema = {
  parameters: [
    {
      name: 'text',
      type: 'string',
      description:
        'The allow list\'s text, usually `file("allow-smtp-auth.txt")`: one mailbox a line, UTF-8 with or without a byte-order mark, LF or CRLF line ends.',
    },
  ],
  returnType: ['map', 'string'],
  summary:
    'Parses an allow-list file (one mailbox a line) into the identities map of exchangeonline_mailbox_smtp_auth_list.',
  description:
    'Reads the allow-list format: one mailbox address (user principal name or primary SMTP address) or mailbox GUID a line. ' +
    'A byte-order mark and CRLF line ends (how Notepad saves) are accepted; blank lines and lines starting with `#` are skipped; ' +
    '` # text` after an address becomes that mailbox\'s note (the map value; `""` without one). ' +
    'A line that is not one mailbox, a mailbox listed twice (addresses are not case-sensitive) or an invisible character ' +
    '(zero-width space, no-break space, control character) fails the call with the line number and the reason.',
};

/** The line as text a person can read: invisible characters spelled out, long lines cut. */
function shown(text: string): string {
  const visible = text.replace(
    /[\u0000-\u001f\u007f-\u00a0\u00ad\u2007\u200b-\u200f\u2028\u2029\u202a-\u202f\u2060-\u2064\ufeff]/gu,
    (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`,
  );
  return `"${visible.length > 100 ? `${visible.slice(0, 100)}…` : visible}"`;
}

function describe(problems: readonly AllowListProblem[]): string {
  const lines = problems.slice(0, MAX_REPORTED).map((p) => `  line ${p.line}: ${shown(p.text)} ${p.problem}`);
  if (problems.length > MAX_REPORTED) lines.push(`  … and ${problems.length - MAX_REPORTED} more`);
  return (
    `The mailbox list has ${problems.length} bad ${problems.length === 1 ? 'line' : 'lines'}:\n${lines.join('\n')}\n` +
    'Fix: one mailbox address (user principal name or primary SMTP address) or mailbox GUID a line; put # before a line to comment it out. ' +
    'Nothing was taken from the list'
  );
}

export const mailboxListFunction: FunctionDefinition = {
  name: 'mailbox_list',
  schema: mailboxListSchema,
  call([text]) {
    if (typeof text !== 'string')
      throw new FunctionArgumentError('mailbox_list takes the list as a string, e.g. file("allow-smtp-auth.txt").', 0);
    const parsed = parseAllowList(text);
    if (parsed.problems.length) throw new FunctionArgumentError(describe(parsed.problems), 0);
    return Object.fromEntries(parsed.entries.map((entry) => [entry.mailbox, entry.note]));
  },
};
