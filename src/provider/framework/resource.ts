/**
 * What a resource or data source file provides. The framework (create-provider-handler.ts) turns these into the
 * protocol's RPCs: planning rules, state shaping, error reporting and import are handled once, here.
 */
import type { AttributePath, Diagnostic } from '../../protocol/diagnostics';
import type { FunctionSchema, Schema } from '../../protocol/schema';
import type { Prefetch } from './prefetches';
import type { CtyValue, ObjectValue } from './values';

export { DiagnosticError } from '../../protocol/diagnostics';

/**
 * Thrown by create/update/delete when part of the work was applied: `state` records exactly what was applied,
 * `diagnostics` say what failed. Terraform stores the state and shows the errors, so the next apply finishes.
 */
export class PartialResultError extends Error {
  constructor(
    readonly state: ObjectValue,
    readonly diagnostics: Diagnostic[],
  ) {
    super(`${diagnostics.length} part(s) of the change failed`);
  }
}

/** Collected warnings for the current call, and the cancellation signal. */
export interface OperationContext<Client> {
  client: Client;
  signal: AbortSignal;
  warn(summary: string, detail?: string, path?: AttributePath): void;
}

export interface PlanContext<Client> {
  /** Null when creating. */
  prior: ObjectValue | null;
  /** What Terraform proposes, already shaped by the framework's defaults and unknown-marking. Edit in place. */
  planned: ObjectValue;
  config: ObjectValue;
  /** Null before ConfigureProvider has run or when the provider configuration is still unknown. */
  client: Client | null;
  signal: AbortSignal;
  warn(summary: string, detail?: string, path?: AttributePath): void;
}

export interface ResourceDefinition<Client> {
  /** e.g. `exchangeonline_transport_config`. */
  readonly typeName: string;
  readonly schema: Schema;
  /** Attributes whose change destroys and recreates the object. */
  readonly requiresReplace?: readonly string[];
  /** Values planned for optional attributes left out of the configuration. */
  readonly defaults?: Readonly<Record<string, CtyValue>>;
  /**
   * Computed attributes that keep their prior value across updates (rather than becoming "known after apply"),
   * because an update cannot change them (ids, GUIDs) or modifyPlan computes them.
   */
  readonly stableComputed?: readonly string[];
  /** Rewrites a state stored under an older `schema.version` (the raw JSON object) into the current shape. */
  upgradeState?(version: number, raw: ObjectValue): ObjectValue;
  /**
   * Terraform upgrades a stored state just before it refreshes it, then spends a while on its own work before
   * ReadResource arrives (about a second for a 60,000-member list). Starts the reads `read` will need, so they run
   * in that time, and returns them as a Prefetch (prefetches.ts). The framework answers once the bridge reports the
   * first request sent, and abandons the reads when the next call for this resource type is not ReadResource:
   * Terraform also upgrades before it applies, or plans with `-refresh=false`. `lifetime` is the provider's, not the
   * UpgradeResourceState call's.
   */
  prefetchRead?(context: { client: Client; state: ObjectValue; lifetime: AbortSignal }): Prefetch | undefined;
  /** Static checks; the config may contain unknown values. */
  validate?(config: ObjectValue): Diagnostic[];
  /** Resource-specific plan rules (derived values, refusals). Runs for create and update. */
  modifyPlan?(context: PlanContext<Client>): Promise<void> | void;
  /** Runs when a destroy is planned; throw DiagnosticError to refuse it. */
  planDestroy?(context: {
    prior: ObjectValue;
    client: Client | null;
    signal: AbortSignal;
    warn: PlanContext<Client>['warn'];
  }): Promise<void> | void;
  create(context: OperationContext<Client> & { planned: ObjectValue; config: ObjectValue }): Promise<ObjectValue>;
  /** Returns null when the object no longer exists, so Terraform drops it from state. */
  read(context: OperationContext<Client> & { state: ObjectValue }): Promise<ObjectValue | null>;
  update(
    context: OperationContext<Client> & { prior: ObjectValue; planned: ObjectValue; config: ObjectValue },
  ): Promise<ObjectValue>;
  delete(context: OperationContext<Client> & { prior: ObjectValue }): Promise<void>;
  /** Turns an import id into a (possibly partial) state; Terraform reads it right after. */
  importState?(context: OperationContext<Client> & { id: string }): Promise<ObjectValue>;
}

export interface DataSourceDefinition<Client> {
  readonly typeName: string;
  readonly schema: Schema;
  validate?(config: ObjectValue): Diagnostic[];
  read(context: OperationContext<Client> & { config: ObjectValue }): Promise<ObjectValue>;
}

/**
 * Thrown by a provider-defined function for bad input: Terraform shows the text and points at the argument
 * (0-based) when one is given.
 */
export class FunctionArgumentError extends Error {
  constructor(
    text: string,
    readonly argument?: number,
  ) {
    super(text);
  }
}

/**
 * A provider-defined function (`provider::exchangeonline::<name>(...)`). Pure: it needs no configured provider
 * (Terraform may call it before ConfigureProvider, e.g. during validate) and receives only known, non-null values.
 */
export interface FunctionDefinition {
  readonly name: string;
  readonly schema: FunctionSchema;
  /** Throw FunctionArgumentError for bad input. */
  call(args: CtyValue[]): CtyValue;
}

export interface ProviderDefinition<Client> {
  readonly schema: Schema;
  readonly resources: readonly ResourceDefinition<Client>[];
  readonly dataSources: readonly DataSourceDefinition<Client>[];
  readonly functions?: readonly FunctionDefinition[];
  validateConfig?(config: ObjectValue): Diagnostic[];
  /** Builds the client every resource uses; throw DiagnosticError for bad configuration. */
  configure(config: ObjectValue, options: { signal: AbortSignal; terraformVersion: string }): Promise<Client>;
  /**
   * Runs before a resource without state is planned, when the provider is configured: a create plan may otherwise
   * make no call at all, so configuration only the service can confirm (the tenant) would first fail at apply.
   * Should cost nothing once the service has answered in this process.
   */
  beforeCreatePlan?(client: Client, options: { signal: AbortSignal }): Promise<void>;
  /** Maps an error thrown by resource code (e.g. a typed Exchange error) to what the user should see. */
  describeError(error: unknown, operation: string): Diagnostic;
  close?(client: Client): Promise<void>;
}
