/** The allow-list file format (src/exchange/allow-list.ts) line by line; the terraform path is in test/acceptance. */
import { parseAllowList } from '../../src/exchange/allow-list';

describe('parseAllowList', () => {
  test('byte-order mark, CRLF, lone CR, blank lines, whole-line and trailing comments', () => {
    const parsed = parseAllowList(
      '\ufeff# list\r\n\r\na@contoso.com\r\n\tb@contoso.com\t#  note  \rc#not-a-comment@contoso.com\n',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.entries).toEqual([
      { line: 3, mailbox: 'a@contoso.com', note: '' },
      { line: 4, mailbox: 'b@contoso.com', note: 'note' },
      { line: 5, mailbox: 'c#not-a-comment@contoso.com', note: '' },
    ]);
  });

  test('every bad line is named with its number: duplicates across case, invisible characters, a BOM mid-file', () => {
    const parsed = parseAllowList(
      'a@contoso.com\nA@CONTOSO.COM\n\u00a0b@contoso.com\n\ufeffc@contoso.com\nd@contoso.com # note\u200b\ne\u0007@contoso.com\na@contoso.com\n',
    );
    expect(parsed.entries.map((e) => e.mailbox)).toEqual(['a@contoso.com']);
    expect(parsed.problems.map((p) => [p.line, p.problem])).toEqual([
      [2, 'repeats line 1 (as "a@contoso.com"; addresses are not case-sensitive); keep one'],
      [3, 'contains a no-break space (U+00A0); retype the line'],
      [4, 'contains a byte-order mark (zero-width no-break space) (U+FEFF); retype the line'],
      [5, 'has a comment that contains a zero-width space (U+200B); retype it'],
      [6, 'contains a control character (U+0007); retype the line'],
      [7, 'repeats line 1; keep one'],
    ]);
  });

  test('an empty file is an empty list', () => {
    expect(parseAllowList('\ufeff')).toEqual({ entries: [], problems: [] });
  });
});
