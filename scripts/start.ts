/**
 * `npm start` — the main job, with no tenant and no credentials:
 *   1. packages the provider into the local mirror (dist/),
 *   2. starts the embedded Exchange Online emulator with the demo tenant (contoso.onmicrosoft.com),
 *   3. runs the real terraform (init offline, apply) on examples/hcl/quickstart,
 *   4. prints the tenant's resulting SMTP AUTH settings, read back through the REST bridge.
 *
 * Each run starts from a fresh demo tenant in .exoform/quickstart/ (kept afterwards for a look around).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRestBridge } from '../src/bridge/rest/create-rest-bridge';
import { startEmulator } from '../src/emulator';
import { readTransportConfig } from '../src/exchange/transport-config';
import { ROOT, cliConfigPath, packageProvider } from './package';

const TENANT = 'contoso.onmicrosoft.com';

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(`\n$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error) =>
      reject(new Error(`could not run ${command}: ${error.message}. Install Terraform 1.11 or later and put it on PATH.`)),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args[0]} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const workDirectory = join(ROOT, '.exoform', 'quickstart');
  rmSync(workDirectory, { recursive: true, force: true });
  mkdirSync(workDirectory, { recursive: true });

  process.stdout.write('Packaging the exchangeonline provider into dist/mirror ...\n');
  await packageProvider();

  const token = randomBytes(18).toString('base64url');
  const emulator = await startEmulator({ dataFile: join(workDirectory, 'emulator-state.json'), seed: 'demo', token });
  process.stdout.write(`Exchange Online emulator with demo tenant ${TENANT} at ${emulator.url}\n`);
  try {
    copyFileSync(join(ROOT, 'examples', 'hcl', 'quickstart', 'main.tf'), join(workDirectory, 'main.tf'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TF_CLI_CONFIG_FILE: cliConfigPath(),
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
      EXO_ORGANIZATION: TENANT,
      EXO_ENDPOINT: emulator.url,
      EXO_ACCESS_TOKEN: token,
    };
    const bridge = createRestBridge({ organization: TENANT, endpoint: emulator.url, accessToken: token });
    const before = await readTransportConfig({ bridge });
    await run('terraform', ['init', '-input=false'], workDirectory, env);
    await run('terraform', ['apply', '-auto-approve', '-input=false'], workDirectory, env);
    const after = await readTransportConfig({ bridge });
    await bridge.close();
    const smtp = (s: typeof after): string => `${s.smtpClientAuthenticationDisabled ? 'disabled' : 'ENABLED'} (SmtpClientAuthenticationDisabled=${s.smtpClientAuthenticationDisabled})`;
    const legacy = (s: typeof after): string => `${s.allowLegacyTlsClients ? 'ALLOWED' : 'not allowed'} (AllowLegacyTLSClients=${s.allowLegacyTlsClients})`;
    process.stdout.write(
      [
        '',
        `SMTP AUTH posture of ${TENANT}, read back from the emulator through the REST bridge (before → after):`,
        `  Organization-wide SMTP AUTH : ${smtp(before)} → ${smtp(after)}`,
        `  Legacy TLS clients          : ${legacy(before)} → ${legacy(after)}`,
        '',
        `Terraform working directory: ${workDirectory}`,
        '',
      ].join('\n'),
    );
  } finally {
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
