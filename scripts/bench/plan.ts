/**
 * `terraform plan` wall time with the real terraform binary: the transport config resource against the emulator,
 * next to the same plan of a built-in terraform_data resource (Terraform's own floor, no provider process).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terraformEnv } from '../package';
import { median, type Figure } from './report';

export interface Timed {
  ms: number;
  output: string;
}

/** Runs a command asynchronously (the emulator may live in this same process); its wall time and output. */
export function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  okCodes = [0],
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (okCodes.includes(code ?? -1)) resolve({ ms, output });
      else reject(new Error(`${command} ${args.join(' ')} in ${cwd} exited ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** Runs terraform with the packaged provider and returns its wall time in ms (a plan's exit code 2 is fine). */
export async function terraform(dir: string, args: string[], env: Record<string, string>): Promise<number> {
  return (await run('terraform', args, dir, terraformEnv(env), args[0] === 'plan' ? [0, 2] : [0])).ms;
}

/** Applies `main.tf` in a scratch directory, then times `runs` refreshing plans; returns the median in ms. */
async function timePlans(mainTf: string, env: Record<string, string>, runs: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'exoform-bench-'));
  try {
    writeFileSync(join(dir, 'main.tf'), mainTf);
    await terraform(dir, ['init', '-input=false', '-no-color'], env);
    await terraform(dir, ['apply', '-auto-approve', '-input=false', '-no-color'], env);
    const times: number[] = [];
    for (let i = 0; i < runs; i++)
      times.push(await terraform(dir, ['plan', '-input=false', '-no-color', '-detailed-exitcode'], env));
    return median(times);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const PROVIDER = `terraform {
  required_providers {
    exchangeonline = { source = "exoform/exchangeonline" }
  }
}
provider "exchangeonline" {}
`;

export async function benchPlan(providerEnv: Record<string, string>, runs = 5): Promise<Figure[]> {
  const transport = await timePlans(
    `${PROVIDER}resource "exchangeonline_transport_config" "org" {\n  smtp_client_authentication_disabled = true\n  allow_legacy_tls_clients = false\n}\n`,
    providerEnv,
    runs,
  );
  const builtin = await timePlans(`resource "terraform_data" "one" {\n  input = "x"\n}\n`, {}, runs);
  return [
    {
      id: 'plan-transport-config',
      label: `terraform plan, 1 transport config with state, median of ${runs}`,
      value: transport,
      unit: 'ms',
      target: null,
    },
    {
      id: 'plan-terraform-data',
      label: `terraform plan, 1 terraform_data with state, median of ${runs}`,
      value: builtin,
      unit: 'ms',
      target: null,
    },
    {
      id: 'plan-transport-config-overhead',
      label: 'difference: the provider processes and their calls',
      value: transport - builtin,
      unit: 'ms',
      target: null,
    },
  ];
}
