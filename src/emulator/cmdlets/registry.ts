/**
 * The cmdlet table and PowerShell-style parameter binding.
 *
 * Each cmdlet family file exports definitions: name, accepted parameters with their types, and a `run` that sees
 * only bound, type-checked values. Binding mimics what PowerShell does on the real endpoint: case-insensitive names,
 * the same conversion rules and the same error texts. Strings are passed on byte-exact.
 */
import type { JsonValue, Row } from '../../bridge/bridge';
import { wireErrors } from '../wire-errors';
import { CATALOG_PARAMETERS, type CatalogCmdlet } from './catalog-parameters';
import type { Tenant } from '../tenant-store';
import { describeValue, isPlainObject } from '../problems';

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
  /**
   * Rows `start` to `end`; with `select` (an OData `$select`), each trimmed to those properties, matched
   * case-insensitively and spelled as the row spells them. A name the row does not have is left out:
   * InvokeCommand rows are open `Exchange.GenericHashTable` objects, and whether the service refuses unknown
   * names instead is not known.
   */
  page(start: number, end: number, select?: readonly string[]): Row[];
}

/** `row` trimmed to `names` (see RowSet.page). */
function projectRow(row: Row, names: readonly string[]): Row {
  const byLower = new Map(Object.keys(row).map((key) => [key.toLowerCase(), key]));
  const trimmed: Row = {};
  for (const name of names) {
    const key = byLower.get(name.toLowerCase());
    if (key !== undefined) trimmed[key] = row[key]!;
  }
  return trimmed;
}

export function eagerRows(rows: Row[]): RowSet {
  return {
    count: rows.length,
    page: (start, end, select) =>
      select ? rows.slice(start, end).map((row) => projectRow(row, select)) : rows.slice(start, end),
  };
}

/** How each property of a row is computed from its record (and the tenant it lives in). */
export type PropertyGetters<T> = Readonly<Record<string, (item: T, tenant: Tenant) => JsonValue>>;

/**
 * The rows of `items` (a snapshot: pass a copy of a live array, paging relies on it), described property by property.
 * A page computes only the selected properties (a 1,000-row Get-CASMailbox page trimmed to 7 of its ~80), which keeps
 * the emulator's own cost per page small next to the latency it models.
 */
export function lazyPropertyRows<T>(items: readonly T[], properties: PropertyGetters<T>, tenant: Tenant): RowSet {
  const all = Object.entries(properties);
  return {
    count: items.length,
    page: (start, end, select) => {
      let getters = all;
      if (select) {
        const byLower = new Map(all.map((entry) => [entry[0].toLowerCase(), entry]));
        getters = select.map((name) => byLower.get(name.toLowerCase())).filter((entry) => entry !== undefined);
      }
      return items.slice(start, end).map((item) => {
        const row: Row = {};
        for (const [name, get] of getters) row[name] = get(item, tenant);
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
  /**
   * The parameters this emulator models, spelled as the server's catalog spells them (catalog-parameters.ts). Every
   * other catalog parameter of the cmdlet is answered "not modelled"; a name outside the catalog is unknown.
   */
  readonly parameters: Readonly<Record<string, ParameterSpec>>;
  /** Accepts -Confirm and -WhatIf (Microsoft's page for the cmdlet lists them; the catalog cannot, see there). */
  readonly shouldProcess?: boolean;
  run(context: CmdletContext, parameters: BoundParameters): CmdletOutput;
}

/**
 * PowerShell's common parameters: accepted by every cmdlet and ignored (the REST endpoint always stops on error).
 * PowerShell adds them to every cmdlet, so the server's catalog, which lists declared parameters, has none of them.
 */
const COMMON_PARAMETERS: Record<string, ParameterSpec> = {
  ErrorAction: { type: 'String' },
  WarningAction: { type: 'String' },
  InformationAction: { type: 'String' },
  Verbose: { type: 'SwitchParameter' },
  Debug: { type: 'SwitchParameter' },
};

/** -Confirm and -WhatIf, which PowerShell adds to a cmdlet that supports ShouldProcess (every Set-/New-/Remove- here). */
const SHOULD_PROCESS_PARAMETERS: Record<string, ParameterSpec> = {
  Confirm: { type: 'SwitchParameter' },
  WhatIf: { type: 'SwitchParameter' },
};

export class CmdletRegistry {
  private readonly byName = new Map<string, CmdletDefinition>();

  /** Throws when a definition strays from the server's catalog (see checkAgainstCatalog). */
  constructor(
    definitions: readonly CmdletDefinition[],
    catalog: Readonly<Record<string, CatalogCmdlet>> = CATALOG_PARAMETERS,
  ) {
    for (const definition of definitions) {
      checkAgainstCatalog(definition, catalog[definition.name]);
      this.byName.set(definition.name.toLowerCase(), definition);
    }
  }

  /** Case-insensitive, like PowerShell command lookup. */
  find(name: string): CmdletDefinition | undefined {
    return this.byName.get(name.toLowerCase());
  }

  get names(): string[] {
    return [...this.byName.values()].map((d) => d.name);
  }
}

/**
 * A modelled cmdlet serves exactly the catalog's parameters, so a definition may model only catalog parameters,
 * spelled as the catalog spells them and mandatory exactly where the catalog says so, and must model every mandatory
 * one (a call could never succeed otherwise). A programming error, not a wire answer: it stops the emulator from starting.
 */
export function checkAgainstCatalog(definition: CmdletDefinition, catalog: CatalogCmdlet | undefined): void {
  const where = `Emulator cmdlet ${definition.name}`;
  if (!catalog)
    throw new Error(`${where} is not in the server's cmdlet catalog (src/emulator/cmdlets/catalog-parameters.ts).`);
  for (const [name, spec] of Object.entries(definition.parameters)) {
    const entry = catalog[name];
    if (!entry) throw new Error(`${where} models -${name}, which the server's catalog does not list for it.`);
    if ((spec.mandatory ?? false) !== (entry.mandatory ?? false)) {
      throw new Error(
        `${where}: -${name} is ${entry.mandatory ? '' : 'not '}mandatory in the server's catalog; model it so.`,
      );
    }
  }
  for (const [name, entry] of Object.entries(catalog)) {
    if (entry.mandatory && !(name in definition.parameters))
      throw new Error(`${where} must model the catalog's mandatory -${name}.`);
  }
}

/** The case-insensitive lookup of a cmdlet's catalog parameters: lower-case name -> catalog spelling. */
const catalogNames = new Map<string, ReadonlyMap<string, string>>();

function catalogSpelling(cmdlet: string, given: string): string | undefined {
  let names = catalogNames.get(cmdlet);
  if (!names) {
    names = new Map(Object.keys(CATALOG_PARAMETERS[cmdlet] ?? {}).map((name) => [name.toLowerCase(), name]));
    catalogNames.set(cmdlet, names);
  }
  return names.get(given.toLowerCase());
}

/**
 * Binds raw JSON parameters to a cmdlet's modelled parameters, or throws the WireError PowerShell would cause. A
 * parameter the server's catalog lists but the emulator does not model gets PowerShell's unknown-parameter error with a
 * note saying so (how the service would answer is unknown: it would run the cmdlet).
 */
export function bindParameters(
  definition: CmdletDefinition,
  raw: Readonly<Record<string, JsonValue>>,
): BoundParameters {
  const specs: Record<string, ParameterSpec> = {
    ...COMMON_PARAMETERS,
    ...(definition.shouldProcess ? SHOULD_PROCESS_PARAMETERS : {}),
    ...definition.parameters,
  };
  const canonical = new Map(Object.keys(specs).map((name) => [name.toLowerCase(), name]));
  const bound: Record<string, BoundValue> = {};
  for (const [given, value] of Object.entries(raw)) {
    const name = canonical.get(given.toLowerCase());
    if (!name) {
      const unmodelled = catalogSpelling(definition.name, given);
      throw wireErrors.unknownParameter(
        given,
        unmodelled
          ? ` (${definition.name} has a parameter '${unmodelled}' in Exchange Online, but the exoform emulator does not model it; see src/emulator/FIDELITY.md.)`
          : '',
      );
    }
    if (name in bound) {
      // Two JSON keys differing only in case name the same PowerShell parameter.
      throw wireErrors.parameterBinding(
        'ParameterAlreadyBound',
        `Cannot bind parameter because parameter '${name}' is specified more than once. To provide multiple values to parameters ` +
          'that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".',
      );
    }
    bound[name] = convert(name, specs[name]!, value);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.mandatory && !(name in bound)) {
      throw wireErrors.parameterBinding(
        'MissingMandatoryParameter',
        `Cannot process command because of one or more missing mandatory parameters: ${name}.`,
      );
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
    throw wireErrors.argumentBinding(
      name,
      'ParameterArgumentValidationErrorNullNotAllowed',
      `Cannot bind argument to parameter '${name}' because it is null.`,
    );
  }
  if (spec.mandatory && value === '') {
    throw wireErrors.argumentBinding(
      name,
      'ParameterArgumentValidationErrorEmptyStringNotAllowed',
      `Cannot bind argument to parameter '${name}' because it is an empty string.`,
    );
  }
  if (value === null) {
    if (spec.nullable) return null;
    if (spec.type === 'DateTime') {
      throw wireErrors.argumentTransformation(name, 'Cannot convert null to type "System.DateTime".');
    }
    if (spec.type === 'Boolean') {
      throw wireErrors.argumentTransformation(
        name,
        'Cannot convert value "" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.',
      );
    }
    throw wireErrors.argumentValidation(
      name,
      'The argument is null. Provide a valid value for the argument, and then try running the command again.',
    );
  }
  switch (spec.type) {
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      throw wireErrors.argumentTransformation(
        name,
        `Cannot convert value "${dotNetTypeOf(value)}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
      );
    case 'SwitchParameter':
      if (typeof value === 'boolean') return value;
      throw wireErrors.argumentTransformation(
        name,
        `Cannot convert the "${describeValue(value)}" value of type "${dotNetTypeOf(value)}" to type "System.Management.Automation.SwitchParameter".`,
      );
    case 'String':
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      if (typeof value === 'boolean') return value ? 'True' : 'False';
      throw wireErrors.argumentTransformation(
        name,
        `Cannot convert the "${dotNetTypeOf(value)}" value of type "${dotNetTypeOf(value)}" to type "System.String".`,
      );
    case 'Unlimited': {
      if (typeof value === 'string' && value.toLowerCase() === 'unlimited') return 'Unlimited';
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^\s*\d+\s*$/.test(value)
            ? Number(value)
            : NaN;
      if (Number.isInteger(n) && n >= 1 && n <= 0xffffffff) return n;
      throw wireErrors.argumentTransformation(
        name,
        `Cannot convert value "${typeof value === 'string' ? value : JSON.stringify(value)}" to type "Microsoft.Exchange.Data.Unlimited\`1[System.UInt32]". ` +
          'Use a whole number from 1 or "Unlimited".',
      );
    }
    case 'StringArray': {
      const items = Array.isArray(value) ? value : [value];
      return items.map((item) => {
        if (typeof item === 'string') return item;
        if (typeof item === 'number' || typeof item === 'boolean') return String(item);
        throw wireErrors.argumentTransformation(
          name,
          `Cannot convert the "${describeValue(item)}" value of type "${dotNetTypeOf(item)}" to type "System.String".`,
        );
      });
    }
    case 'DateTime': {
      const parsed = typeof value === 'string' ? parseDateTime(value) : undefined;
      if (parsed) return parsed.toISOString();
      const shown = typeof value === 'string' ? value : dotNetTypeOf(value);
      throw wireErrors.argumentTransformation(
        name,
        `Cannot convert value "${shown}" to type "System.DateTime". Error: "String '${shown}' was not recognized as a valid DateTime."`,
      );
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
    parts = [
      Number(iso[1]),
      Number(iso[2]),
      Number(iso[3]),
      Number(iso[4] ?? 0),
      Number(iso[5] ?? 0),
      Number(iso[6] ?? 0),
      fraction,
    ];
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
  const [year, month, day, hour, minute, second, ms] = parts as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || year < 1)
    return undefined;
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
