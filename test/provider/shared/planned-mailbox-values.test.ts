/** The plan-time index of which resource sets which mailbox (src/provider/shared/planned-mailbox-values.ts), in process. */
import { DiagnosticError } from '../../../src/provider/framework/resource';
import { notePlannedMailboxValue } from '../../../src/provider/shared/planned-mailbox-values';

function conflictOf(run: () => void): DiagnosticError {
  try {
    run();
  } catch (error) {
    if (error instanceof DiagnosticError) return error;
    throw error;
  }
  throw new Error('expected a DiagnosticError');
}

/** Outside a destroy (this process's parent is Jest) a conflict throws and never warns. */
function noWarning(summary: string): void {
  throw new Error(`unexpected warning: ${summary}`);
}

const LIST = 'an exchangeonline_mailbox_smtp_auth_list (as "allowed")';
const SINGLE = 'an exchangeonline_mailbox_smtp_auth (as "sean@contoso.com")';

describe('notePlannedMailboxValue', () => {
  it('refuses a second resource that wants another value, case-insensitively, naming both values and the fix', () => {
    const client = {};
    notePlannedMailboxValue(client, ['sean@contoso.com', 'chris@contoso.com'], false, 'list:allowed', LIST, noWarning);
    const error = conflictOf(() =>
      notePlannedMailboxValue(client, ['  SEAN@contoso.com '], true, 'single:sean', SINGLE, noWarning),
    );
    expect(error.diagnostic.summary).toBe('Mailbox "  SEAN@contoso.com " is managed twice with different values');
    expect(error.diagnostic.detail).toContain('smtp_client_authentication_disabled = true');
    expect(error.diagnostic.detail).toContain(`${LIST} in the same configuration sets false`);
    expect(error.diagnostic.detail).toContain('Manage each mailbox in one resource only');
    expect(error.diagnostic.path).toEqual(['smtp_client_authentication_disabled']);
  });

  it('allows the same value twice, and a resource planned again does not conflict with itself', () => {
    const client = {};
    notePlannedMailboxValue(client, ['sean@contoso.com'], false, 'list:allowed', LIST, noWarning);
    expect(() =>
      notePlannedMailboxValue(client, ['sean@contoso.com'], false, 'single:sean', SINGLE, noWarning),
    ).not.toThrow();
    expect(() => notePlannedMailboxValue(client, ['sean@contoso.com'], true, 'list:allowed', LIST, noWarning)).toThrow(
      DiagnosticError,
    );
    const other = {};
    notePlannedMailboxValue(other, ['a@contoso.com'], null, 'list:x', LIST, noWarning);
    expect(() => notePlannedMailboxValue(other, ['a@contoso.com'], true, 'list:x', LIST, noWarning)).not.toThrow(); // its own earlier plan
  });

  it('null (inherit) is a value of its own', () => {
    const client = {};
    notePlannedMailboxValue(client, ['akol@contoso.com'], null, 'single:akol', SINGLE, noWarning);
    const error = conflictOf(() =>
      notePlannedMailboxValue(client, ['akol@contoso.com'], false, 'list:allowed', LIST, noWarning),
    );
    expect(error.diagnostic.detail).toContain('sets null (inherit)');
  });

  it('keeps provider blocks apart: planned values are per configured client', () => {
    const first = {};
    const second = {};
    notePlannedMailboxValue(first, ['sean@contoso.com'], false, 'list:a', LIST, noWarning);
    expect(() => notePlannedMailboxValue(second, ['sean@contoso.com'], true, 'list:b', LIST, noWarning)).not.toThrow();
  });

  it('matches any of the keys a resource gives (an identity and the GUID it resolved to)', () => {
    const client = {};
    notePlannedMailboxValue(
      client,
      ['sean@contoso.com', 'd3b07384-d9a0-4c6e-9a3b-1c2d3e4f5a6b'],
      false,
      'single:sean',
      SINGLE,
      noWarning,
    );
    expect(() =>
      notePlannedMailboxValue(client, ['D3B07384-D9A0-4C6E-9A3B-1C2D3E4F5A6B'], true, 'list:allowed', LIST, noWarning),
    ).toThrow(/managed twice/);
  });
});
