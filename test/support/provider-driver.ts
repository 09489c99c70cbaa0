/**
 * Drives the exoform provider in this process the way Terraform does, with plain JS values: the real provider
 * behind the real gRPC server (startInProcessProvider), so no terraform and no provider process start. For the
 * checks that are about the provider and not about Terraform: configuration and validation, import-ID parsing,
 * state upgrades, plan-time conflicts and prefetch order.
 *
 * What Terraform adds around the calls is done here too, so a test cannot pass on a request Terraform never sends:
 * configurations are completed with null for every attribute not given (an unknown attribute name throws), the
 * proposed new state is built by Terraform's rule for top-level attributes, and plan and apply answers are checked
 * against Terraform's own consistency rules (a planned value for a configured attribute must equal the
 * configuration; a known planned value must come back unchanged from apply), failing with Terraform's wording.
 */
import type { Logger } from '../../src/protocol/logging';
import { type CtyValue, isUnknown } from '../../src/protocol/msgpack';
import { enums } from '../../src/protocol/protobuf';
import { bridgeEnvironment, type TestEmulator } from './emulator';
import {
  type DiagnosticMessage,
  dynamic,
  fromDynamic,
  type InProcessProvider,
  startInProcessProvider,
} from './plugin-client';

const P = (method: string): string => `/tfplugin6.Provider/${method}`;
const ERROR = enums['tfplugin6.Diagnostic.Severity'].ERROR;

export type Values = Record<string, CtyValue>;

/** A diagnostic in plain form: the attribute path as its steps (names, map keys, list indexes). */
export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  path: Array<string | number>;
}

export interface Diagnosed {
  diagnostics: Diagnostic[];
  /** The error diagnostics only. */
  errors: Diagnostic[];
}

export interface Planned extends Diagnosed {
  planned: CtyValue;
  /** Attribute paths that force replacement, each as its steps. */
  requiresReplace: Array<Array<string | number>>;
  plannedPrivate?: Uint8Array;
}

export interface Applied extends Diagnosed {
  state: CtyValue;
  private?: Uint8Array;
}

export interface Imported extends Diagnosed {
  resources: Array<{ typeName: string; state: CtyValue; private?: Uint8Array }>;
}

export interface FunctionResult {
  result: CtyValue;
  /** Set when the function failed: its text and the argument it blames, if any. */
  error?: { text: string; argument?: number };
}

interface WireAttribute {
  name: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
}
interface WireSchema {
  version?: number;
  block: { attributes: WireAttribute[] };
}

type AttributePath = DiagnosticMessage['attribute'];

function plainPath(path: AttributePath): Array<string | number> {
  return (path?.steps ?? []).map((s) => s.attribute_name ?? s.element_key_string ?? Number(s.element_key_int));
}

function plainDiagnostics(diagnostics: readonly DiagnosticMessage[] | undefined): Diagnosed {
  const all: Diagnostic[] = (diagnostics ?? []).map((d) => ({
    severity: d.severity === ERROR ? 'error' : 'warning',
    summary: d.summary ?? '',
    detail: d.detail ?? '',
    path: plainPath(d.attribute),
  }));
  return { diagnostics: all, errors: all.filter((d) => d.severity === 'error') };
}

/** Readable form of diagnostics, for failure messages. */
export function describeAll(diagnostics: readonly Diagnostic[]): string {
  return (
    diagnostics.map((d) => `[${d.severity}] ${d.summary}: ${d.detail} (at ${d.path.join('.') || '-'})`).join('\n') ||
    '(none)'
  );
}

/** Throws with the diagnostics when there is any error; returns the outcome otherwise. */
export function ok<T extends Diagnosed>(outcome: T, what = 'the call'): T {
  if (outcome.errors.length) throw new Error(`${what} failed:\n${describeAll(outcome.diagnostics)}`);
  return outcome;
}

const bytesOf = (value: Uint8Array | undefined): Uint8Array | undefined =>
  value && value.length > 0 ? value : undefined;

/** True when `planned` (known parts) and `actual` agree, as Terraform compares a plan with its apply result. */
function knownPartsEqual(planned: CtyValue, actual: CtyValue): boolean {
  if (isUnknown(planned)) return true;
  if (planned === null || typeof planned !== 'object') return planned === actual;
  if (actual === null || typeof actual !== 'object' || isUnknown(actual)) return false;
  if (Array.isArray(planned)) {
    if (!Array.isArray(actual) || actual.length !== planned.length) return false;
    return planned.every((item, i) => knownPartsEqual(item, actual[i]));
  }
  const p = planned as Values;
  const a = actual as Values;
  const keys = new Set([...Object.keys(p), ...Object.keys(a)]);
  for (const key of keys) if (!knownPartsEqual(p[key] ?? null, a[key] ?? null)) return false;
  return true;
}

/** A logger that keeps every line at every level, for asserting what a provider logged (or never logged). */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    enabled: () => true,
    log: (level, message, fields) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
  };
}

export class ProviderDriver {
  private constructor(
    readonly running: InProcessProvider,
    private readonly resourceSchemas: Record<string, WireSchema>,
    private readonly dataSourceSchemas: Record<string, WireSchema>,
    private readonly providerSchema: WireSchema,
  ) {}

  /**
   * Starts the provider in process. `env` stands in for the provider's environment (EXO_*), over the variables of
   * the bridge under test (`npm run test:powershell` selects the PowerShell bridge); with `emulator`, its
   * providerEnv (endpoint, tenant, token and the bridge under test) is used and the provider is configured from
   * it with an empty provider block, as `provider "exchangeonline" {}` would. Pass `configure: false` to leave
   * ConfigureProvider to the test. `logger` receives the provider's log (silent by default).
   */
  static async start(
    options: { emulator?: TestEmulator; env?: NodeJS.ProcessEnv; configure?: boolean; logger?: Logger } = {},
  ): Promise<ProviderDriver> {
    // The bridge under test (EXOFORM_TEST_BRIDGE) unless the emulator's or the test's variables say otherwise.
    const env = { ...bridgeEnvironment(), ...options.emulator?.providerEnv, ...options.env };
    const running = await startInProcessProvider({ providerEnvironment: env, logger: options.logger });
    try {
      const schema = await running.client.unary(P('GetProviderSchema'));
      const driver = new ProviderDriver(
        running,
        schema.resource_schemas ?? {},
        schema.data_source_schemas ?? {},
        schema.provider,
      );
      if (options.configure ?? options.emulator !== undefined) ok(await driver.configure({}), 'ConfigureProvider');
      return driver;
    } catch (error) {
      await running.stop();
      throw error;
    }
  }

  stop(): Promise<void> {
    return this.running.stop();
  }

  /** The schema version Terraform would store with a resource's state. */
  schemaVersion(typeName: string): number {
    return Number(this.schemaOf('resource', typeName).version ?? 0);
  }

  /** The whole object Terraform sends for a block: the values given, null for every other attribute. */
  fill(kind: 'provider' | 'resource' | 'data source', typeName: string, values: Values): Values {
    const schema = kind === 'provider' ? this.providerSchema : this.schemaOf(kind, typeName);
    const names = new Set(schema.block.attributes.map((a) => a.name));
    for (const key of Object.keys(values)) {
      if (!names.has(key)) throw new Error(`${kind} ${typeName} has no attribute ${JSON.stringify(key)}`);
    }
    const out: Values = {};
    for (const name of names) out[name] = values[name] ?? null;
    return out;
  }

  private schemaOf(kind: 'resource' | 'data source', typeName: string): WireSchema {
    const schema = (kind === 'resource' ? this.resourceSchemas : this.dataSourceSchemas)[typeName];
    if (!schema) throw new Error(`the provider has no ${kind} ${typeName}`);
    return schema;
  }

  private async call(method: string, request: object): Promise<any> {
    return this.running.client.unary(P(method), request);
  }

  async validateProvider(settings: Values): Promise<Diagnosed> {
    const response = await this.call('ValidateProviderConfig', {
      config: dynamic(this.fill('provider', 'exchangeonline', settings)),
    });
    return plainDiagnostics(response.diagnostics);
  }

  async configure(settings: Values, terraformVersion = '1.11.4'): Promise<Diagnosed> {
    const response = await this.call('ConfigureProvider', {
      terraform_version: terraformVersion,
      config: dynamic(this.fill('provider', 'exchangeonline', settings)),
    });
    return plainDiagnostics(response.diagnostics);
  }

  async validateResource(typeName: string, config: Values): Promise<Diagnosed> {
    const response = await this.call('ValidateResourceConfig', {
      type_name: typeName,
      config: dynamic(this.fill('resource', typeName, config)),
    });
    return plainDiagnostics(response.diagnostics);
  }

  async validateDataSource(typeName: string, config: Values): Promise<Diagnosed> {
    const response = await this.call('ValidateDataResourceConfig', {
      type_name: typeName,
      config: dynamic(this.fill('data source', typeName, config)),
    });
    return plainDiagnostics(response.diagnostics);
  }

  /**
   * ValidateResourceConfig, then PlanResourceChange (`validate: false` skips the first). `config` null plans a destroy. The proposed new state follows Terraform: a configured
   * (non-null) value; else, for a computed attribute, the prior value; else null. The answer is checked the way
   * Terraform checks it: a non-computed attribute, or a computed one that is configured, must be planned as configured.
   */
  async plan(
    typeName: string,
    {
      prior = null,
      config,
      priorPrivate,
      validate = true,
    }: { prior?: CtyValue; config: Values | null; priorPrivate?: Uint8Array; validate?: boolean },
  ): Promise<Planned> {
    const schema = this.schemaOf('resource', typeName);
    const full = config === null ? null : this.fill('resource', typeName, config);
    // Terraform validates a configuration before it plans it, and stops at an error.
    if (full && validate) {
      const validated = await this.validateResource(typeName, full);
      if (validated.errors.length) return { ...validated, planned: null, requiresReplace: [] };
    }
    let proposed: Values | null = null;
    if (full) {
      proposed = {};
      const priorValues = (prior ?? {}) as Values;
      for (const attribute of schema.block.attributes) {
        const configured = full[attribute.name];
        proposed[attribute.name] =
          configured !== null ? configured : attribute.computed ? (priorValues[attribute.name] ?? null) : null;
      }
    }
    const response = await this.call('PlanResourceChange', {
      type_name: typeName,
      prior_state: dynamic(prior),
      proposed_new_state: dynamic(proposed),
      config: dynamic(full),
      ...(priorPrivate ? { prior_private: priorPrivate } : {}),
    });
    const outcome: Planned = {
      ...plainDiagnostics(response.diagnostics),
      planned: fromDynamic(response.planned_state),
      requiresReplace: (response.requires_replace ?? []).map((path: AttributePath) => plainPath(path)),
      plannedPrivate: bytesOf(response.planned_private),
    };
    if (outcome.errors.length === 0 && full) {
      const planned = (outcome.planned ?? {}) as Values;
      for (const attribute of schema.block.attributes) {
        const configured = full[attribute.name];
        if (
          (!attribute.computed || configured !== null) &&
          !knownPartsEqual(configured, planned[attribute.name] ?? null)
        ) {
          throw new Error(
            `Provider produced invalid plan for ${typeName}: planned value ${JSON.stringify(planned[attribute.name])} ` +
              `for ${attribute.name} does not match config value ${JSON.stringify(configured)}`,
          );
        }
      }
    }
    return outcome;
  }

  /**
   * ApplyResourceChange. Checks Terraform's "inconsistent result after apply": every known planned value must come
   * back unchanged (skipped when the apply reported an error, as Terraform then records what came back).
   */
  async apply(
    typeName: string,
    {
      prior = null,
      planned,
      config,
      plannedPrivate,
    }: { prior?: CtyValue; planned: CtyValue; config: Values | null; plannedPrivate?: Uint8Array },
  ): Promise<Applied> {
    const response = await this.call('ApplyResourceChange', {
      type_name: typeName,
      prior_state: dynamic(prior),
      planned_state: dynamic(planned),
      config: dynamic(config === null ? null : this.fill('resource', typeName, config)),
      ...(plannedPrivate ? { planned_private: plannedPrivate } : {}),
    });
    const outcome: Applied = {
      ...plainDiagnostics(response.diagnostics),
      state: fromDynamic(response.new_state),
      private: bytesOf(response.private),
    };
    if (outcome.errors.length === 0 && !knownPartsEqual(planned, outcome.state)) {
      throw new Error(
        `Provider produced inconsistent result after apply for ${typeName}: planned ${JSON.stringify(planned)}, ` +
          `got ${JSON.stringify(outcome.state)}`,
      );
    }
    return outcome;
  }

  /** Plan then apply, as `terraform apply` does for one resource; a plan with errors is returned without applying. */
  async planAndApply(
    typeName: string,
    change: { prior?: CtyValue; config: Values | null; priorPrivate?: Uint8Array },
  ): Promise<Applied & { plan: Planned }> {
    const plan = await this.plan(typeName, change);
    if (plan.errors.length) return { ...plan, state: change.prior ?? null, plan };
    const applied = await this.apply(typeName, {
      prior: change.prior ?? null,
      planned: plan.planned,
      config: change.config,
      plannedPrivate: plan.plannedPrivate,
    });
    return { ...applied, plan };
  }

  async read(typeName: string, state: CtyValue, privateBytes?: Uint8Array): Promise<Applied> {
    const response = await this.call('ReadResource', {
      type_name: typeName,
      current_state: dynamic(state),
      ...(privateBytes ? { private: privateBytes } : {}),
    });
    return {
      ...plainDiagnostics(response.diagnostics),
      state: fromDynamic(response.new_state),
      private: bytesOf(response.private),
    };
  }

  async importState(typeName: string, id: string): Promise<Imported> {
    const response = await this.call('ImportResourceState', { type_name: typeName, id });
    return {
      ...plainDiagnostics(response.diagnostics),
      resources: (response.imported_resources ?? []).map(
        (r: { type_name: string; state: { msgpack?: Uint8Array }; private?: Uint8Array }) => ({
          typeName: r.type_name,
          state: fromDynamic(r.state),
          private: bytesOf(r.private),
        }),
      ),
    };
  }

  /** UpgradeResourceState from stored JSON state (as in a state file) written at schema `version`. */
  async upgrade(typeName: string, stored: unknown, version: number): Promise<Applied> {
    const response = await this.call('UpgradeResourceState', {
      type_name: typeName,
      version,
      raw_state: { json: Buffer.from(JSON.stringify(stored)) },
    });
    return { ...plainDiagnostics(response.diagnostics), state: fromDynamic(response.upgraded_state) };
  }

  async readDataSource(typeName: string, config: Values): Promise<Applied> {
    const response = await this.call('ReadDataSource', {
      type_name: typeName,
      config: dynamic(this.fill('data source', typeName, config)),
    });
    return { ...plainDiagnostics(response.diagnostics), state: fromDynamic(response.state) };
  }

  async callFunction(name: string, ...args: CtyValue[]): Promise<FunctionResult> {
    const response = await this.call('CallFunction', { name, arguments: args.map((a) => dynamic(a)) });
    if (response.error)
      return {
        result: null,
        error: {
          text: response.error.text ?? '',
          ...(response.error.function_argument !== undefined
            ? { argument: Number(response.error.function_argument) }
            : {}),
        },
      };
    return { result: fromDynamic(response.result) };
  }
}
