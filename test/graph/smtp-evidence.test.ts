/** The pure parts of the Graph evidence reads (src/graph): the sign-in filter, the usage CSV, error classes. */
import { classifyGraphError } from '../../src/graph/graph-client';
import { parseCsv, signInFilter } from '../../src/graph/smtp-evidence';

describe('signInFilter', () => {
  it('holds only constants and whole-second UTC dates', () => {
    const filter = signInFilter(new Date('2026-11-07T10:20:30.456Z'), new Date('2026-12-07T00:00:00.000Z'));
    expect(filter).toBe(
      "clientAppUsed eq 'Authenticated SMTP' and createdDateTime ge 2026-11-07T10:20:30Z and createdDateTime lt 2026-12-07T00:00:00Z",
    );
  });

  it('refuses an invalid date instead of sending a broken filter', () => {
    expect(() => signInFilter(new Date('not a date'), new Date())).toThrow(/invalid date/);
  });
});

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields, doubled quotes, commas and line breaks inside quotes, CRLF or LF', () => {
    const text = 'User Principal Name,Note\r\n"sean@contoso.com","said ""hi"", then left"\n"a@b.com","two\nlines"\n';
    expect(parseCsv(text)).toEqual([
      ['User Principal Name', 'Note'],
      ['sean@contoso.com', 'said "hi", then left'],
      ['a@b.com', 'two\nlines'],
    ]);
  });

  it('keeps empty fields, a last line without a break, and drops blank lines', () => {
    expect(parseCsv('a,,c\n\nx,y,')).toEqual([
      ['a', '', 'c'],
      ['x', 'y', ''],
    ]);
  });
});

describe('classifyGraphError', () => {
  it('names a missing licence, a missing permission, and anything else', () => {
    expect(classifyGraphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', '')).toBe('licence');
    expect(classifyGraphError(403, '', 'Tenant does not have a SKU capable of directory audit reports')).toBe(
      'licence',
    );
    expect(classifyGraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges')).toBe('permission');
    expect(classifyGraphError(403, '', '')).toBe('other'); // a bare 403 names no permission
    expect(classifyGraphError(500, 'InternalServerError', 'boom')).toBe('other');
  });
});
