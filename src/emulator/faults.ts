/**
 * Deterministic fault injection: "the 3rd Set-TransportConfig call answers 429 with Retry-After: 1, once".
 *
 * Never random: each rule counts the calls it matches from the moment it was added, and fails calls number
 * nth .. nth+times-1. A test that injects a fault therefore fails the same way on every run and every machine.
 */
import { FAULT_FORMS, FORM_STATUSES, FaultForm, defaultFaultForm, shapeFault } from './answer-forms';
import { WireError, wireErrors } from './wire-errors';
import { Problems, checkKnownKeys, describeValue, isPlainObject } from './problems';

export const FAULT_STATUSES = [400, 401, 403, 404, 429, 500, 502, 503, 504] as const;
/** Every status a rule may answer with: the error statuses, plus the ones that only make sense with an answer form. */
const RULE_STATUSES: readonly number[] = [...FAULT_STATUSES, ...FORM_STATUSES];
export type FaultStatus = (typeof FAULT_STATUSES)[number] | (typeof FORM_STATUSES)[number];

export interface FaultRule {
  readonly id: string;
  /** Matches this cmdlet only (case-insensitive); null = every cmdlet. */
  readonly cmdlet: string | null;
  /** Matches calls to this tenant only (its tenant id); null = every tenant. */
  readonly tenant: string | null;
  /** The first matching call (1-based, counted from when the rule was added) that fails. */
  readonly nth: number;
  /** How many consecutive matching calls fail, starting with the nth. */
  readonly times: number;
  readonly status: FaultStatus;
  readonly retryAfterSeconds: number | null;
  readonly message: string | null;
  readonly exceptionType: string | null;
  /** `before`: the call fails without effect. `after`: the cmdlet runs and its change is saved, then the answer is lost. */
  readonly when: 'before' | 'after';
  /** Answer form (answer-forms.ts): null = the start-up dialect's (or the status's own: 200, 3xx). */
  readonly form: FaultForm | null;
  /** The `x-ms-diagnostics` header to send with the answer, or null. */
  readonly diagnostics: string | null;
  /** When set, the rule fires on matching calls nth, nth+every, nth+2·every... (`times` firings in all): a steady fault rate. */
  readonly every: number | null;
  /** When true, the connection is destroyed instead of answered (a reset): with `after`, the change is made first. */
  readonly reset: boolean;
  /** Matching calls seen so far. */
  matched: number;
  /** Calls this rule has failed. */
  fired: number;
}

const RULE_KEYS = [
  'cmdlet',
  'tenant',
  'nth',
  'times',
  'status',
  'retryAfterSeconds',
  'message',
  'exceptionType',
  'when',
  'every',
  'reset',
  ...answerFormKeys(),
];

/** Thrown for a rule with `reset: true`: the server destroys the connection instead of answering. */
export class ConnectionResetFault extends Error {
  constructor(readonly rule: FaultRule) {
    super(`fault ${rule.id}: connection reset`);
  }
}

const DEFAULT_EXCEPTIONS: Record<number, [string, string]> = {
  400: ['System.Management.Automation.RemoteException', 'The request could not be processed.'],
  403: ['System.UnauthorizedAccessException', 'The caller is not authorized to run this cmdlet.'],
  404: [
    'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
    "The operation couldn't be performed because the object couldn't be found.",
  ],
  500: ['System.Management.Automation.RemoteException', 'An internal server error occurred. The operation failed.'],
  502: ['System.Net.WebException', 'The remote server returned an error: (502) Bad Gateway.'],
  503: [
    'System.Management.Automation.RemoteException',
    'The service is temporarily unavailable. Please try again later.',
  ],
  504: ['System.TimeoutException', 'The operation has timed out.'],
};

export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;

  /**
   * Validates and adds a rule. `resolveTenant` maps a domain or id to a tenant id (undefined if unknown).
   * Throws a 400 WireError listing every problem.
   */
  add(input: unknown, resolveTenant: (key: string) => string | undefined): FaultRule {
    const problems = new Problems();
    if (!isPlainObject(input)) {
      throw wireErrors.badInspectionRequest(
        `A fault rule must be a JSON object like {"cmdlet":"Set-TransportConfig","nth":3,"status":429}, got ${describeValue(input)}.`,
      );
    }
    checkKnownKeys(input, RULE_KEYS, '', problems);
    const positive = (key: string, fallback: number): number => {
      const value = input[key];
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
        problems.add(key, `must be a whole number from 1, got ${describeValue(value)}`);
      return value as number;
    };
    const text = (key: string): string | null => {
      const value = input[key];
      if (value === undefined || value === null) return null;
      if (typeof value !== 'string' || value === '')
        problems.add(key, `must be a non-empty string, got ${describeValue(value)}`);
      return value as string;
    };
    const reset = input.reset ?? false;
    if (typeof reset !== 'boolean') problems.add('reset', `must be true or false, got ${describeValue(reset)}`);
    const status = (reset === true && input.status === undefined ? 503 : input.status) as FaultStatus;
    if (!RULE_STATUSES.includes(status))
      problems.add('status', `must be one of ${RULE_STATUSES.join(', ')}, got ${describeValue(input.status)}`);
    let tenant: string | null = null;
    const tenantKey = text('tenant');
    if (tenantKey !== null) {
      tenant = resolveTenant(tenantKey) ?? null;
      if (!tenant) problems.add('tenant', `no tenant "${tenantKey}" on this emulator`);
    }
    let retryAfterSeconds: number | null = null;
    if (input.retryAfterSeconds !== undefined && input.retryAfterSeconds !== null) {
      const r = input.retryAfterSeconds;
      if (typeof r !== 'number' || !Number.isInteger(r) || r < 0)
        problems.add('retryAfterSeconds', `must be a whole number of seconds from 0, got ${describeValue(r)}`);
      retryAfterSeconds = r as number;
    }
    const when = input.when ?? 'before';
    if (when !== 'before' && when !== 'after')
      problems.add('when', `must be "before" or "after", got ${describeValue(when)}`);
    const rule: FaultRule = {
      id: `f${this.nextId}`,
      cmdlet: text('cmdlet'),
      tenant,
      nth: positive('nth', 1),
      times: positive('times', input.every === undefined ? 1 : Number.MAX_SAFE_INTEGER),
      status,
      retryAfterSeconds,
      message: text('message'),
      exceptionType: text('exceptionType'),
      when: when as 'before' | 'after',
      ...readAnswerForm(input, status, problems),
      every: input.every === undefined ? null : positive('every', 1),
      reset: reset === true,
      matched: 0,
      fired: 0,
    };
    if (!problems.ok) throw wireErrors.badInspectionRequest(`The fault rule is not valid:\n${problems.format()}`);
    this.nextId++;
    this.rules.push(rule);
    return rule;
  }

  list(): readonly FaultRule[] {
    return this.rules;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * Counts this call against every matching rule and returns the first (oldest) rule that fails it, if any.
   * Call exactly once per call attempt.
   */
  check(cmdlet: string, tenantId: string): FaultRule | undefined {
    let firing: FaultRule | undefined;
    for (const rule of this.rules) {
      if (rule.cmdlet !== null && rule.cmdlet.toLowerCase() !== cmdlet.toLowerCase()) continue;
      if (rule.tenant !== null && rule.tenant !== tenantId) continue;
      rule.matched++;
      if (firing || rule.matched < rule.nth) continue;
      const due =
        rule.every === null
          ? rule.matched < rule.nth + rule.times
          : (rule.matched - rule.nth) % rule.every === 0 && rule.fired < rule.times;
      if (due) firing = rule;
    }
    if (firing) firing.fired++;
    return firing;
  }
}

/**
 * The answer a firing rule produces. `redirectTo`: the same request's URL on the tenant-specific host, for the
 * redirect form.
 */
export function faultError(rule: FaultRule, redirectTo?: string): WireError | ConnectionResetFault {
  if (rule.reset) return new ConnectionResetFault(rule);
  const form = rule.form ?? defaultFaultForm(rule.status);
  const base = baseFaultError({
    ...rule,
    status: form === 'adminapi-errors' || form === 'redirect' ? 400 : rule.status,
  } as FaultRule);
  return form === undefined && rule.diagnostics === null ? base : shapeFault(base, form, rule.diagnostics, redirectTo);
}

function baseFaultError(rule: FaultRule): WireError {
  const retryHeader: Record<string, string> =
    rule.retryAfterSeconds !== null ? { 'Retry-After': String(rule.retryAfterSeconds) } : {};
  if (rule.status === 429) return wireErrors.throttled(rule.retryAfterSeconds ?? 1, rule.message ?? undefined);
  if (rule.status === 401) {
    const error = wireErrors.unauthorized(rule.message ?? 'the token has expired');
    return new WireError(401, error.body, { ...error.headers, ...retryHeader });
  }
  const [exceptionType, text] = DEFAULT_EXCEPTIONS[rule.status]!;
  // The service's NullReferenceException (the known Set-AuthenticationPolicy defect) needs only its message.
  const inferred =
    rule.message !== null && /^Object reference not set to an instance of an object\.?$/.test(rule.message)
      ? 'System.NullReferenceException'
      : exceptionType;
  const error = wireErrors.cmdletException(rule.status, rule.exceptionType ?? inferred, rule.message ?? text);
  return new WireError(error.status, error.body, retryHeader);
}

// ---- Answer forms of a rule (`form`, `diagnostics`): what the failing call's answer looks like. --------------

function answerFormKeys(): string[] {
  return ['form', 'diagnostics'];
}

function readAnswerForm(
  input: Record<string, unknown>,
  status: number,
  problems: Problems,
): { form: FaultForm | null; diagnostics: string | null } {
  let form: FaultForm | null = null;
  if (input.form !== undefined && input.form !== null) {
    if (typeof input.form !== 'string' || !(FAULT_FORMS as readonly string[]).includes(input.form)) {
      problems.add('form', `must be one of ${FAULT_FORMS.join(', ')}, got ${describeValue(input.form)}`);
    } else form = input.form as FaultForm;
  }
  const implied = defaultFaultForm(status);
  if (implied !== undefined && form !== null && form !== implied)
    problems.add('form', `status ${status} answers in the "${implied}" form only`);
  if ((form === 'adminapi-errors' && status !== 200) || (form === 'redirect' && !(status >= 300 && status < 400))) {
    problems.add('status', `the "${form}" form needs status ${form === 'redirect' ? '301, 302, 307 or 308' : '200'}`);
  }
  let diagnostics: string | null = null;
  if (input.diagnostics !== undefined && input.diagnostics !== null) {
    if (typeof input.diagnostics !== 'string' || input.diagnostics === '' || /[\r\n]/.test(input.diagnostics)) {
      problems.add(
        'diagnostics',
        `must be a one-line non-empty string (the x-ms-diagnostics header), got ${describeValue(input.diagnostics)}`,
      );
    } else diagnostics = input.diagnostics;
  }
  return { form, diagnostics };
}
