/** MailboxList: the seeds' one-mailbox-a-line format, strict about anything that is not a mailbox. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailboxList, MailboxListError, mailboxEntryProblem } from '../../constructs';

function errorOf(run: () => unknown): MailboxListError {
  try {
    run();
  } catch (error) {
    if (error instanceof MailboxListError) return error;
    throw error;
  }
  throw new Error('expected a MailboxListError');
}

describe('MailboxList.fromText / fromFile', () => {
  test('trims, skips blank lines and # comments (whole-line and after an address), keeps order', () => {
    const list = MailboxList.fromText(
      [
        '# allowed devices',
        '',
        '  scanner@contoso.com  ',
        'sean@contoso.com   # CRM mail-out',
        '\t',
        '#printer@contoso.com',
        'akol@contoso.com',
      ].join('\n'),
    );
    expect(list.mailboxes).toEqual(['scanner@contoso.com', 'sean@contoso.com', 'akol@contoso.com']);
    expect(list.size).toBe(3);
    expect(list.duplicates).toEqual([]);
  });

  test('reads CRLF and CR line ends and a UTF-8 BOM', () => {
    expect(MailboxList.fromText('\ufeffa@contoso.com\r\nb@contoso.com\rc@contoso.com\r\n').mailboxes).toEqual([
      'a@contoso.com',
      'b@contoso.com',
      'c@contoso.com',
    ]);
  });

  test('de-duplicates case-insensitively, keeps the first spelling and records every duplicate with both line numbers', () => {
    const list = MailboxList.fromText(
      'Scanner@Contoso.com\nsean@contoso.com\nscanner@contoso.com\nSEAN@CONTOSO.COM\n',
      'allow.txt',
    );
    expect(list.mailboxes).toEqual(['Scanner@Contoso.com', 'sean@contoso.com']);
    expect(list.duplicates).toEqual([
      { line: 3, entry: 'scanner@contoso.com', firstLine: 1, first: 'Scanner@Contoso.com' },
      { line: 4, entry: 'SEAN@CONTOSO.COM', firstLine: 2, first: 'sean@contoso.com' },
    ]);
    expect(list.describeDuplicates()[0]).toBe(
      'allow.txt: line 3 "scanner@contoso.com" repeats line 1 "Scanner@Contoso.com"',
    );
    expect(list.has('SCANNER@contoso.COM')).toBe(true);
    expect(list.has('chris@contoso.com')).toBe(false);
  });

  test('accepts mailbox GUIDs, internationalised addresses and a "#" inside a local part', () => {
    const list = MailboxList.fromText(
      '6f1c3f0e-2b1a-4c8e-9d3b-5a7e0c2f4b18\nbjörn@müller.de\nteam#1@contoso.com\nx+tag@sub.contoso.co.uk',
    );
    expect(list.mailboxes).toEqual([
      '6f1c3f0e-2b1a-4c8e-9d3b-5a7e0c2f4b18',
      'björn@müller.de',
      'team#1@contoso.com',
      'x+tag@sub.contoso.co.uk',
    ]);
  });

  test('a malformed line is an error with its line number, never dropped; every bad line is reported at once', () => {
    const text = [
      '# header', // 1
      'scanner@contoso.com', // 2
      'sean@contoso', // 3: no dot in the domain
      '', // 4
      'Sean Walker <sean@contoso.com>', // 5: display name
      'a@contoso.com, b@contoso.com', // 6: a comma list
      'kakers', // 7: an alias
      'chris\u200b@contoso.com', // 8: zero-width space from a web page
      'mailto:info@contoso.com', // 9
    ].join('\n');
    const error = errorOf(() => MailboxList.fromText(text, 'allow-smtp-auth.txt'));
    expect(error.problems.map((p) => p.line)).toEqual([3, 5, 6, 7, 8, 9]);
    expect(error.problems[0]).toEqual({ line: 3, entry: 'sean@contoso', problem: expect.stringContaining('no dot') });
    expect(error.problems[1].problem).toContain('keep only the address (sean@contoso.com)');
    expect(error.problems[2].problem).toContain('one mailbox on each line');
    expect(error.problems[3].problem).toContain('no "@"');
    expect(error.problems[4].problem).toContain('U+200B');
    expect(error.problems[5].problem).toContain('mailto:');
    expect(error.message).toContain('allow-smtp-auth.txt: 6 entries are not a mailbox');
    expect(error.message).toContain('line 3: "sean@contoso" has the domain "contoso" with no dot');
    expect(error.message).toContain('Nothing was dropped');
  });

  test('fromFile names the file in errors and says when it cannot be read', () => {
    const directory = mkdtempSync(join(tmpdir(), 'exoform-list-'));
    try {
      const file = join(directory, 'allow.txt');
      writeFileSync(file, 'ok@contoso.com\nbad@@contoso.com\n');
      const error = errorOf(() => MailboxList.fromFile(file));
      expect(error.source).toBe(file);
      expect(error.message).toContain(`${file}: 1 entry is not a mailbox`);
      expect(error.message).toContain('line 2: "bad@@contoso.com" has more than one "@"');
      expect(() => MailboxList.fromFile(join(directory, 'missing.txt'))).toThrow(
        /Cannot read the mailbox list .*missing\.txt/,
      );
      writeFileSync(file, '# only comments\n\n');
      expect(MailboxList.fromFile(file).mailboxes).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('MailboxList.fromArray', () => {
  test('trims and de-duplicates like the file format', () => {
    const list = MailboxList.fromArray([' a@contoso.com', 'A@CONTOSO.COM', 'b@contoso.com ']);
    expect(list.mailboxes).toEqual(['a@contoso.com', 'b@contoso.com']);
    expect(list.duplicates).toHaveLength(1);
  });

  test('blank entries and comments are errors in an array (in code they are mistakes), reported by position', () => {
    const error = errorOf(() => MailboxList.fromArray(['a@contoso.com', '', '# b@contoso.com'], 'allowedMailboxes'));
    expect(error.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(error.message).toContain('entry 2: "" is empty');
  });
});

describe('mailboxEntryProblem', () => {
  test.each([
    ['sean@contoso.com', undefined],
    ['SEAN@CONTOSO.COM', undefined],
    ['first.last@contoso.com', undefined],
    ['.first@contoso.com', 'misplaced "."'],
    ['first..last@contoso.com', 'misplaced "."'],
    ['@contoso.com', 'nothing before'],
    ['sean@', 'nothing after'],
    ['sean@contoso..com', 'empty part'],
    ['sean@-contoso.com', 'the part "-contoso"'],
    ['sean@contoso.123', 'top-level domain'],
    ['se(an)@contoso.com', 'cannot contain before the "@": "("'],
    ['"sean"@contoso.com', 'display name'],
    ['sean @contoso.com', 'white space'],
    ['sean;chris@contoso.com', 'not a list'],
    [`${'a'.repeat(65)}@contoso.com`, 'at most 64'],
    ['sean\u0000@contoso.com', 'U+0000'],
  ])('%j → %s', (entry, expected) => {
    const problem = mailboxEntryProblem(entry);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(expected);
  });
});
