/**
 * The one OPATH filter the emulator evaluates: `AuthenticationPolicy -eq|-ne <value>` on Get-User, which is how
 * Microsoft documents listing the users a policy is assigned to (`Get-User -Filter "AuthenticationPolicy -eq '<DN>'"`).
 *
 * Values: a single-quoted string (`''` inside stands for one quote, OPATH's escape), a double-quoted string (`""`
 * likewise), or `$null`. The whole filter may be wrapped in braces (a script block turned into text) and in
 * parentheses. Anything else is refused with a 400 that says so, instead of being guessed at.
 */
import { wireErrors } from './wire-errors';

export interface AuthenticationPolicyFilter {
  readonly operator: 'eq' | 'ne';
  /** The policy as written (name, DN or GUID), or null for `$null`. */
  readonly value: string | null;
}

export const SUPPORTED_FILTER_HINT =
  'The exoform emulator evaluates only "AuthenticationPolicy -eq \'<policy DN, name or GUID>\'" (or -ne, or $null as the value) in -Filter; ' +
  'see src/emulator/FIDELITY.md.';

export function parseAuthenticationPolicyFilter(filter: string): AuthenticationPolicyFilter {
  const fail = (reason: string): never => {
    throw wireErrors.invalidFilter(filter, `${reason} ${SUPPORTED_FILTER_HINT}`);
  };
  let text = filter.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
  const head = /^([A-Za-z][A-Za-z0-9]*)\s+-([A-Za-z]+)\s+/.exec(text);
  if (!head) return fail('Expected "<Property> -<operator> <value>".');
  const [matched, property, operatorText] = head as unknown as [string, string, string];
  if (property.toLowerCase() !== 'authenticationpolicy')
    return fail(`The property '${property}' is not supported by the emulator.`);
  const operator = operatorText.toLowerCase();
  if (operator !== 'eq' && operator !== 'ne')
    return fail(`The operator '-${operatorText}' is not supported by the emulator.`);
  const rest = text.slice(matched.length);
  let value: string | null;
  let consumed: number;
  if (/^\$null\b/i.test(rest)) {
    value = null;
    consumed = 5;
  } else if (rest.startsWith("'") || rest.startsWith('"')) {
    const quote = rest[0]!;
    let i = 1;
    let out = '';
    for (;;) {
      if (i >= rest.length) return fail(`The string starting at ${quote}${rest.slice(1, 20)} is not terminated.`);
      const c = rest[i]!;
      if (c === quote) {
        if (rest[i + 1] === quote) {
          out += quote;
          i += 2;
          continue;
        }
        i++;
        break;
      }
      out += c;
      i++;
    }
    value = out;
    consumed = i;
  } else {
    return fail("The value must be a quoted string ('...') or $null.");
  }
  const trailing = rest.slice(consumed).trim();
  if (trailing !== '')
    return fail(`Unexpected text after the value: '${trailing}' (-and/-or are not supported by the emulator).`);
  return { operator, value };
}

/** One `<Property> -eq '<value>'` comparison of an equality filter. */
export interface EqualityClause {
  /** As the filter spells it; compare case-insensitively. */
  readonly property: string;
  readonly value: string;
}

/**
 * The equality filters the emulator evaluates on Get-CASMailbox: `<Property> -eq '<value>'` comparisons joined by
 * `-or`, optionally in parentheses and braces, e.g. `"Guid -eq '…' -or EmailAddresses -eq 'a@contoso.com'"`. This is
 * how a client reads a known set of mailboxes in one call. Returns the comparisons (any one matching selects an
 * object). Properties outside `properties`, other operators, `-and`/`-not` and unquoted values are refused with a 400
 * that says so.
 */
export function parseEqualityDisjunction(filter: string, properties: readonly string[]): EqualityClause[] {
  const hint =
    `The exoform emulator evaluates only "${properties.map((p) => `${p} -eq '<value>'`).join('" or "')}" comparisons ` +
    "joined by -or in this cmdlet's -Filter; see src/emulator/FIDELITY.md.";
  const fail = (reason: string): never => {
    throw wireErrors.invalidFilter(filter, `${reason} ${hint}`);
  };
  const allowed = new Map(properties.map((p) => [p.toLowerCase(), p]));
  const clauses: EqualityClause[] = [];
  let text = filter.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  let i = 0;
  let depth = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  let expectTerm = true;
  for (;;) {
    skipSpace();
    if (i >= text.length) break;
    if (expectTerm) {
      if (text[i] === '(') {
        depth++;
        i++;
        continue;
      }
      const head = /^([A-Za-z][A-Za-z0-9]*)\s+-([A-Za-z]+)\s+/.exec(text.slice(i));
      if (!head) return fail(`Expected "<Property> -eq <value>" at '${text.slice(i, i + 30)}'.`);
      const [matched, property, operator] = head as unknown as [string, string, string];
      const known = allowed.get(property.toLowerCase());
      if (!known) return fail(`The property '${property}' is not supported by the emulator.`);
      if (operator.toLowerCase() !== 'eq') return fail(`The operator '-${operator}' is not supported by the emulator.`);
      i += matched.length;
      const quote = text[i];
      if (quote !== "'" && quote !== '"') return fail('The value must be a quoted string.');
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) return fail(`The string starting at ${quote}${value.slice(0, 20)} is not terminated.`);
        const c = text[i]!;
        if (c === quote) {
          if (text[i + 1] === quote) {
            value += quote;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      clauses.push({ property: known, value });
      expectTerm = false;
      continue;
    }
    if (text[i] === ')') {
      if (depth === 0) return fail('Unbalanced parentheses.');
      depth--;
      i++;
      continue;
    }
    const joiner = /^-([A-Za-z]+)\s/.exec(text.slice(i));
    if (!joiner || joiner[1]!.toLowerCase() !== 'or') {
      const after = text.slice(i, i + 30);
      return fail(`Unexpected text after a comparison: '${after}' (only -or is supported by the emulator).`);
    }
    i += joiner[0].length;
    expectTerm = true;
  }
  if (expectTerm) return fail(clauses.length === 0 ? 'The filter is empty.' : 'The filter ends with -or.');
  if (depth !== 0) return fail('Unbalanced parentheses.');
  return clauses;
}
