/**
 * The cmdlet table and PowerShell-style parameter binding.
 *
 * Each cmdlet family file exports definitions: name, accepted parameters with their types, and a `run` that sees
 * only bound, type-checked values. Binding mimics what PowerShell does on the real endpoint: case-insensitive names,
 * the same conversion rules and the same error texts. Strings are passed on byte-exact.
 */
import type { JsonValue, Row } from '../../bridge/bridge';
import { wireErrors } from '../errors';
import type { Tenant } from '../tenant-store';
import { describeValue, isPlainObject } from '../validate';

export type ParameterType =
  /** [bool]: JSON true/false, or a number (PowerShell accepts 1 and 0). */
  | 'Boolean'
  /** [switch]: the client sends true (or false for -Switch:$false). */
  | 'SwitchParameter'
  /** [string] and the *IdParameter types: strings; numbers and booleans are converted like PowerShell does. */
  | 'String'
  /** Unlimited<UInt32> as used by -ResultSize: a positive whole number or "Unlimited". */
  | 'Unlimited'
  /** [string[]]: a JSON array of strings, or one string (PowerShell wraps a scalar in an array). */
  | 'StringArray'
  /** [DateTime]: an ISO 8601 date or date-time (no time zone = UTC, as on the service), or M/d/yyyy [h:mm[:ss] [AM|PM]]. */
  | 'DateTime';

export interface ParameterSpec {
  readonly type: ParameterType;
  /** Whether JSON null is accepted (it then means "clear" / "not set"). */
  readonly nullable?: boolean;
  readonly mandatory?: boolean;
}

export type BoundValue = boolean | string | number | null | readonly string[];
export type BoundParameters = Readonly<Record<string, BoundValue>>;

/** The rows a cmdlet produced. Lazy so that a 60,000-row answer is rendered one page at a time. */
export interface RowSet {
  readonly count: number;
  page(start: number, end: number): Row[];
  /**
   * Optional: a page already trimmed to `$select` (`names`, matched case-insensitively, in the order given), the same
   * rows `page` gives after trimming, without rendering the properties nobody asked for.
   */
  pageSelected?(start: number, end: number, names: readonly string[]): Row[];
}

export function eagerRows(rows: Row[]): RowSet {
  return { count: rows.length, page: (start, end) => rows.slice(start, end) };
}

/** `items` must not change afterwards (pass a copy of a live array): paging relies on it as a snapshot. */
export function lazyRows<T>(items: readonly T[], render: (item: T) => Row): RowSet {
  return { count: items.length, page: (start, end) => items.slice(start, end).map(render) };
}

/**
 * lazyRows for rows rendered property by property from a table of getters (in the row's property order): a `$select`
 * page renders only the selected properties, so a 1000-row page of 80-property rows costs what its few columns cost.
 */
export function lazyRowsFromGetters<T>(items: readonly T[], getters: Readonly<Record<string, (item: T) => JsonValue>>): RowSet {
  const entries = Object.entries(getters);
  const byLower = new Map(entries.map(([name, get]) => [name.toLowerCase(), [name, get] as const]));
  return {
    count: items.length,
    page: (start, end) =>
      items.slice(start, end).map((item) => {
        const row: Row = {};
        for (const [name, get] of entries) row[name] = get(item);
        return row;
      }),
    pageSelected: (start, end, names) => {
      const picked = names.map((name) => byLower.get(name.toLowerCase())).filter((entry) => entry !== undefined);
      return items.slice(start, end).map((item) => {
        const row: Row = {};
        for (const [name, get] of picked) row[name] = get(item);
        return row;
      });
    },
  };
}

export interface CmdletContext {
  readonly tenant: Tenant;
  readonly now: Date;
}

export interface CmdletOutput {
  readonly rows: RowSet;
  readonly warnings: string[];
}

export interface CmdletDefinition {
  /** Canonical spelling, e.g. `Set-TransportConfig`. */
  readonly name: string;
  readonly parameters: Readonly<Record<string, ParameterSpec>>;
  /** Real parameters of the cmdlet this emulator does not model; rejected with a message that says exactly that. */
  readonly unmodelledParameters?: readonly string[];
  run(context: CmdletContext, parameters: BoundParameters): CmdletOutput;
}

/** PowerShell's common parameters: accepted by every cmdlet and ignored (the REST endpoint always stops on error). */
const COMMON_PARAMETERS: Record<string, ParameterSpec> = {
  ErrorAction: { type: 'String' },
  WarningAction: { type: 'String' },
  InformationAction: { type: 'String' },
  Verbose: { type: 'SwitchParameter' },
  Debug: { type: 'SwitchParameter' },
};

/** -Confirm and -WhatIf, which every Set-/New-/Remove- cmdlet has. */
export const SHOULD_PROCESS_PARAMETERS: Record<string, ParameterSpec> = {
  Confirm: { type: 'SwitchParameter' },
  WhatIf: { type: 'SwitchParameter' },
};

export class CmdletRegistry {
  private readonly byName = new Map<string, CmdletDefinition>();

  constructor(definitions: readonly CmdletDefinition[]) {
    for (const definition of definitions) this.byName.set(definition.name.toLowerCase(), definition);
  }

  /** Case-insensitive, like PowerShell command lookup. */
  find(name: string): CmdletDefinition | undefined {
    return this.byName.get(name.toLowerCase());
  }

  get names(): string[] {
    return [...this.byName.values()].map((d) => d.name);
  }
}

/** Binds raw JSON parameters to a cmdlet's declared parameters, or throws the WireError PowerShell would cause. */
export function bindParameters(definition: CmdletDefinition, raw: Readonly<Record<string, JsonValue>>): BoundParameters {
  const specs: Record<string, ParameterSpec> = { ...COMMON_PARAMETERS, ...definition.parameters };
  const canonical = new Map(Object.keys(specs).map((name) => [name.toLowerCase(), name]));
  const bound: Record<string, BoundValue> = {};
  for (const [given, value] of Object.entries(raw)) {
    const name = canonical.get(given.toLowerCase());
    if (!name) {
      const unmodelled = definition.unmodelledParameters?.find((p) => p.toLowerCase() === given.toLowerCase());
      throw wireErrors.unknownParameter(
        given,
        unmodelled ? ` (${definition.name} has a parameter '${unmodelled}' in Exchange Online, but the exoform emulator does not model it; see src/emulator/FIDELITY.md.)` : '',
      );
    }
    if (name in bound) {
      // Two JSON keys differing only in case name the same PowerShell parameter.
      throw wireErrors.parameterBinding('ParameterAlreadyBound',
        `Cannot bind parameter because parameter '${name}' is specified more than once. To provide multiple values to parameters ` +
          'that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".');
    }
    bound[name] = convert(name, specs[name]!, value);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.mandatory && !(name in bound)) {
      throw wireErrors.parameterBinding('MissingMandatoryParameter', `Cannot process command because of one or more missing mandatory parameters: ${name}.`);
    }
  }
  return bound;
}

/** The .NET type name PowerShell would print for a JSON value that arrived as the argument. */
function dotNetTypeOf(value: JsonValue): string {
  if (value === null) return '';
  if (Array.isArray(value)) return 'System.Object[]';
  if (isPlainObject(value)) return 'System.Collections.Hashtable';
  if (typeof value === 'string') return 'System.String';
  if (typeof value === 'number') return Number.isInteger(value) ? 'System.Int32' : 'System.Double';
  return 'System.Boolean';
}

function convert(name: string, spec: ParameterSpec, value: JsonValue): BoundValue {
  // Mandatory parameters refuse null and "" before any conversion, with PowerShell's own texts.
  if (spec.mandatory && value === null) {
    throw wireErrors.argumentBinding(name, 'ParameterArgumentValidationErrorNullNotAllowed', `Cannot bind argument to parameter '${name}' because it is null.`);
  }
  if (spec.mandatory && value === '') {
    throw wireErrors.argumentBinding(name, 'ParameterArgumentValidationErrorEmptyStringNotAllowed', `Cannot bind argument to parameter '${name}' because it is an empty string.`);
  }
  if (value === null) {
    if (spec.nullable) return null;
    if (spec.type === 'DateTime') {
      throw wireErrors.argumentTransformation(name, 'Cannot convert null to type "System.DateTime".');
    }
    if (spec.type === 'Boolean') {
      throw wireErrors.argumentTransformation(name,
        'Cannot convert value "" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.');
    }
    throw wireErrors.argumentValidation(name, 'The argument is null. Provide a valid value for the argument, and then try running the command again.');
  }
  switch (spec.type) {
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      throw wireErrors.argumentTransformation(name,
        `Cannot convert value "${dotNetTypeOf(value)}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`);
    case 'SwitchParameter':
      if (typeof value === 'boolean') return value;
      throw wireErrors.argumentTransformation(name,
        `Cannot convert the "${describeValue(value)}" value of type "${dotNetTypeOf(value)}" to type "System.Management.Automation.SwitchParameter".`);
    case 'String':
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      if (typeof value === 'boolean') return value ? 'True' : 'False';
      throw wireErrors.argumentTransformation(name,
        `Cannot convert the "${dotNetTypeOf(value)}" value of type "${dotNetTypeOf(value)}" to type "System.String".`);
    case 'Unlimited': {
      if (typeof value === 'string' && value.toLowerCase() === 'unlimited') return 'Unlimited';
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
      if (Number.isInteger(n) && n >= 1 && n <= 0xffffffff) return n;
      throw wireErrors.argumentTransformation(name,
        `Cannot convert value "${typeof value === 'string' ? value : JSON.stringify(value)}" to type "Microsoft.Exchange.Data.Unlimited\`1[System.UInt32]". ` +
          'Use a whole number from 1 or "Unlimited".');
    }
    case 'StringArray': {
      const items = Array.isArray(value) ? value : [value];
      return items.map((item) => {
        if (typeof item === 'string') return item;
        if (typeof item === 'number' || typeof item === 'boolean') return String(item);
        throw wireErrors.argumentTransformation(name,
          `Cannot convert the "${describeValue(item)}" value of type "${dotNetTypeOf(item)}" to type "System.String".`);
      });
    }
    case 'DateTime': {
      const parsed = typeof value === 'string' ? parseDateTime(value) : undefined;
      if (parsed) return parsed.toISOString();
      const shown = typeof value === 'string' ? value : dotNetTypeOf(value);
      throw wireErrors.argumentTransformation(name,
        `Cannot convert value "${shown}" to type "System.DateTime". Error: "String '${shown}' was not recognized as a valid DateTime."`);
    }
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AP]M))?)?$/i;

/**
 * The date forms a client realistically sends: ISO 8601 (what JSON serialisers produce; without a zone it is taken
 * as UTC, the service's own time zone) and the en-US `M/d/yyyy h:mm:ss AM` form PowerShell prints. Undefined otherwise.
 */
export function parseDateTime(text: string): Date | undefined {
  const trimmed = text.trim();
  let parts: number[];
  let zone: string | undefined;
  const iso = ISO_DATE.exec(trimmed);
  const us = iso ? null : US_DATE.exec(trimmed);
  if (iso) {
    const fraction = iso[7] ? Math.floor(Number(`0${iso[7]}`) * 1000) : 0;
    parts = [Number(iso[1]), Number(iso[2]), Number(iso[3]), Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0), fraction];
    zone = iso[8];
  } else if (us) {
    let hour = Number(us[4] ?? 0);
    const meridiem = us[7]?.toUpperCase();
    if (meridiem && (hour < 1 || hour > 12)) return undefined;
    if (meridiem === 'PM' && hour < 12) hour += 12;
    if (meridiem === 'AM' && hour === 12) hour = 0;
    parts = [Number(us[3]), Number(us[1]), Number(us[2]), hour, Number(us[5] ?? 0), Number(us[6] ?? 0), 0];
  } else {
    return undefined;
  }
  const [year, month, day, hour, minute, second, ms] = parts as [number, number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || year < 1) return undefined;
  let time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(time);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined; // 31 February and the like
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(time);
}
