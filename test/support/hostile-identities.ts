/** Hostile mailbox identities shared by the in-process and the terraform tests of them. */

/** Sent as data, these must reach the service exactly; none names a mailbox, so the plan says "not found". */
export const HOSTILE_PASSED_THROUGH: Record<string, string> = {
  quotes: `o'brien"double"@contoso.com`,
  semicolon: 'sean@contoso.com; Remove-Mailbox -Identity chris@contoso.com',
  subexpression: 'a$(Remove-Mailbox x)@contoso.com',
  backticks: 'a`whoami`@contoso.com',
  variable: '$env:EXO_ACCESS_TOKEN',
  unicode: 'zoë.ñandú-数据@contoso.com',
  json: '{"CmdletName":"Remove-Mailbox"}',
  'percent and slash': '../../adminapi/beta/fabrikam%2F..%2Fx/InvokeCommand',
};

/** Values that can never name a mailbox: refused before any call, with the reason. */
export const HOSTILE_REFUSED: Record<string, { identity: string; reason: RegExp }> = {
  newline: { identity: 'sean@contoso.com\nRemove-Mailbox chris', reason: /control character/ },
  'carriage return': { identity: 'sean@contoso.com\r', reason: /control character|white space/ },
  '10 KB': { identity: 'a'.repeat(10 * 1024) + '@contoso.com', reason: /characters long/ },
  'leading space': { identity: ' sean@contoso.com', reason: /white space/ },
  empty: { identity: '', reason: /is empty/ },
};
