/**
 * The contract between the protocol server and a provider implementation. Values are decoded Terraform values
 * (see msgpack.ts); nothing here knows about Exchange, and nothing in the provider knows about gRPC.
 */
import type { CtyValue } from './msgpack';
import type { AttributePath, Diagnostic } from './diagnostics';
import type { FunctionSchema, Schema } from './schema';

export interface ProviderSchemas {
  provider: Schema;
  resources: Record<string, Schema>;
  dataSources: Record<string, Schema>;
  functions: Record<string, FunctionSchema>;
}

/** A provider-defined function's failure: Terraform shows `text` and, with `argument` (0-based), points at that argument. */
export interface FunctionFailure {
  text: string;
  argument?: number;
}

/** Every call gets a signal that fires when Terraform cancels the call or asks the provider to stop. */
export interface CallOptions {
  signal: AbortSignal;
}

export interface ReadResourceRequest extends CallOptions {
  typeName: string;
  state: CtyValue;
  private?: Uint8Array;
}

export interface PlanResourceChangeRequest extends CallOptions {
  typeName: string;
  prior: CtyValue;
  proposed: CtyValue;
  config: CtyValue;
  priorPrivate?: Uint8Array;
}

export interface ApplyResourceChangeRequest extends CallOptions {
  typeName: string;
  prior: CtyValue;
  planned: CtyValue;
  config: CtyValue;
  plannedPrivate?: Uint8Array;
}

export interface Result {
  diagnostics: Diagnostic[];
}

export interface ProviderHandler {
  readonly schemas: ProviderSchemas;
  validateProviderConfig(config: CtyValue): Promise<Result>;
  configureProvider(config: CtyValue, options: CallOptions & { terraformVersion: string }): Promise<Result>;
  validateResourceConfig(typeName: string, config: CtyValue): Promise<Result>;
  validateDataSourceConfig(typeName: string, config: CtyValue): Promise<Result>;
  /**
   * `rawState` is the stored state as parsed JSON, written by schema version `version`. `lifetime` is aborted when the
   * provider stops: work this call starts for the calls that follow it (a prefetch) may outlive the call.
   */
  upgradeResourceState(
    typeName: string,
    version: number,
    rawState: unknown,
    options: { lifetime: AbortSignal },
  ): Promise<Result & { state: CtyValue }>;
  readResource(request: ReadResourceRequest): Promise<Result & { state: CtyValue; private?: Uint8Array }>;
  planResourceChange(
    request: PlanResourceChangeRequest,
  ): Promise<Result & { planned: CtyValue; requiresReplace: AttributePath[]; plannedPrivate?: Uint8Array }>;
  applyResourceChange(request: ApplyResourceChangeRequest): Promise<Result & { state: CtyValue; private?: Uint8Array }>;
  importResourceState(
    typeName: string,
    id: string,
    options: CallOptions,
  ): Promise<Result & { resources: Array<{ typeName: string; state: CtyValue; private?: Uint8Array }> }>;
  readDataSource(typeName: string, config: CtyValue, options: CallOptions): Promise<Result & { state: CtyValue }>;
  /** Runs a provider-defined function on known, non-null arguments; either a result or a failure. */
  callFunction(name: string, args: CtyValue[]): Promise<{ result: CtyValue } | { error: FunctionFailure }>;
  /** Terraform is shutting the process down; release sessions. */
  close(): Promise<void>;
}
