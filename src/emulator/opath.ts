/**
 * The one OPATH filter the emulator evaluates: `AuthenticationPolicy -eq|-ne <value>` on Get-User, which is how
 * Microsoft documents listing the users a policy is assigned to (`Get-User -Filter "AuthenticationPolicy -eq '<DN>'"`).
 *
 * Values: a single-quoted string (`''` inside stands for one quote, OPATH's escape), a double-quoted string (`""`
 * likewise), or `$null`. The whole filter may be wrapped in braces (a script block turned into text) and in
 * parentheses. Anything else is refused with a 400 that says so, instead of being guessed at.
 */
import { wireErrors } from './errors';

export interface AuthenticationPolicyFilter {
  readonly operator: 'eq' | 'ne';
  /** The policy as written (name, DN or GUID), or null for `$null`. */
  readonly value: string | null;
}

export const SUPPORTED_FILTER_HINT =
  "The exoform emulator evaluates only \"AuthenticationPolicy -eq '<policy DN, name or GUID>'\" (or -ne, or $null as the value) in -Filter; " +
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
  if (property.toLowerCase() !== 'authenticationpolicy') return fail(`The property '${property}' is not supported by the emulator.`);
  const operator = operatorText.toLowerCase();
  if (operator !== 'eq' && operator !== 'ne') return fail(`The operator '-${operatorText}' is not supported by the emulator.`);
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
  if (trailing !== '') return fail(`Unexpected text after the value: '${trailing}' (-and/-or are not supported by the emulator).`);
  return { operator, value };
}
