/**
 * Runs the real terraform binary in a scratch directory, installing exoform from the packaged mirror (offline).
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terraformEnv } from '../../scripts/package';
import { loopbackEnvironment, runProcess } from './run-process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class TerraformWorkspace {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(files: Record<string, string>, env: Record<string, string | undefined> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'exoform-tf-'));
    this.env = { ...loopbackEnvironment(terraformEnv({ TF_INPUT: '0' })), ...env };
    this.write(files);
  }

  write(files: Record<string, string>): void {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(this.dir, name), content);
  }

  read(name: string): string {
    return readFileSync(join(this.dir, name), 'utf8');
  }

  exists(name: string): boolean {
    return existsSync(join(this.dir, name));
  }

  run(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
    // Longer than any test waits, so Jest's own timeout reports a slow run first.
    return runProcess('terraform', args, { cwd: this.dir, env: { ...this.env, ...extraEnv }, timeoutMs: 600_000 });
  }

  /** Runs and fails the test with terraform's own output when the exit code is not the expected one. */
  async expect(args: string[], expectedCode = 0): Promise<RunResult> {
    const result = await this.run(args);
    if (result.code !== expectedCode) {
      throw new Error(
        `terraform ${args.join(' ')} exited ${result.code}, expected ${expectedCode}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
      );
    }
    return result;
  }

  init(): Promise<RunResult> {
    return this.expect(['init', '-no-color', '-input=false']);
  }

  /** `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes. Returns the plan as JSON too. */
  async plan(expectedCode: 0 | 2, extra: string[] = []): Promise<{ result: RunResult; plan: PlanJson }> {
    const result = await this.expect(
      ['plan', '-no-color', '-input=false', '-detailed-exitcode', '-out=tfplan', ...extra],
      expectedCode,
    );
    const shown = await this.expect(['show', '-json', 'tfplan']);
    return { result, plan: JSON.parse(shown.stdout) as PlanJson };
  }

  /**
   * `terraform plan -detailed-exitcode` that must find no changes (exit 0). Unlike plan(0) it renders no JSON: that
   * `terraform show` starts terraform and the provider again for a plan no test reads.
   */
  noChanges(extra: string[] = []): Promise<RunResult> {
    return this.expect(['plan', '-no-color', '-input=false', '-detailed-exitcode', ...extra], 0);
  }

  /** `terraform plan -detailed-exitcode` that must find changes (exit 2), for a test that reads no plan JSON. */
  changes(extra: string[] = []): Promise<RunResult> {
    return this.expect(['plan', '-no-color', '-input=false', '-detailed-exitcode', ...extra], 2);
  }

  apply(extra: string[] = []): Promise<RunResult> {
    return this.expect(['apply', '-no-color', '-input=false', '-auto-approve', ...extra]);
  }

  destroy(): Promise<RunResult> {
    return this.expect(['destroy', '-no-color', '-input=false', '-auto-approve']);
  }

  async state(): Promise<StateJson> {
    const shown = await this.expect(['show', '-json']);
    return JSON.parse(shown.stdout) as StateJson;
  }

  /**
   * The state file this directory keeps with the default local backend, as Terraform wrote it; undefined when a
   * backend is configured (Terraform records that in .terraform/terraform.tfstate) or nothing was written yet.
   */
  localState(): LocalStateFile | undefined {
    if (this.exists('.terraform/terraform.tfstate') || !this.exists('terraform.tfstate')) return undefined;
    return JSON.parse(this.read('terraform.tfstate')) as LocalStateFile;
  }

  /** The managed and data resources in the local state file (empty after a full destroy). */
  stateResources(): LocalStateFile['resources'] {
    const state = this.localState();
    if (!state) throw new Error(`no local terraform.tfstate in ${this.dir}`);
    return state.resources;
  }

  /**
   * The attribute values of one resource in state, by address. Read from the local state file when there is one
   * (the same values `terraform show -json` prints, without starting terraform and the provider), else from show.
   */
  async resourceValues(address: string): Promise<Record<string, unknown>> {
    const local = this.localState();
    const simple = /^(data\.)?([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(address);
    if (local && simple) {
      const mode = simple[1] ? 'data' : 'managed';
      const found = local.resources.find(
        (r) => r.module === undefined && r.mode === mode && r.type === simple[2] && r.name === simple[3],
      );
      if (!found || found.instances.length === 0) throw new Error(`${address} is not in state`);
      if (found.instances.length > 1 || found.instances[0].index_key !== undefined)
        throw new Error(`${address} has instances by index; name one`);
      return found.instances[0].attributes;
    }
    const state = await this.state();
    const resource = state.values?.root_module?.resources?.find((r) => r.address === address);
    if (!resource) throw new Error(`${address} is not in state`);
    return resource.values;
  }

  /**
   * The root module's output values. Read from the local state file when there is one (the values `terraform show
   * -json` prints, without starting terraform and the provider), else from show.
   */
  async outputs(): Promise<Record<string, unknown>> {
    const outputs = this.localState()?.outputs ?? (await this.state()).values?.outputs ?? {};
    return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface PlanJson {
  resource_changes?: Array<{
    address: string;
    change: { actions: string[]; before: any; after: any; after_unknown: any; importing?: object };
  }>;
  resource_drift?: Array<{ address: string; change: { actions: string[]; before: any; after: any } }>;
}

/** The local state file's own format (version 4), as far as the tests read it. */
export interface LocalStateFile {
  version: number;
  outputs: Record<string, { value: unknown }>;
  resources: Array<{
    module?: string;
    mode: 'managed' | 'data';
    type: string;
    name: string;
    instances: Array<{ index_key?: unknown; schema_version: number; attributes: Record<string, unknown> }>;
  }>;
}

export interface StateJson {
  values?: {
    outputs?: Record<string, { value: unknown }>;
    root_module?: { resources?: Array<{ address: string; values: Record<string, unknown> }> };
  };
}

/** Terraform's output, stdout then stderr, with its boxed diagnostics (│) flattened into one line of text. */
export function flatOutput(result: RunResult): string {
  return `${result.stdout}\n${result.stderr}`.replace(/\s*│\s*/g, ' ').replace(/\s+/g, ' ');
}

/** A main.tf: the required providers, an empty provider block (settings from the EXO_* variables), then `body`. */
export function mainTf(body: string): Record<string, string> {
  return { 'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\n\n${body}` };
}

/** The `required_providers` block every configuration in the tests uses. */
export const REQUIRED_PROVIDERS = `terraform {
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}
`;
