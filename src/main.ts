/**
 * The provider process: Terraform execs this (through the packaged terraform-provider-exchangeonline),
 * reads the handshake line from stdout, and drives it over gRPC until it calls Shutdown.
 */
import { HandshakeError } from './protocol/handshake';
import { createLogger, levelFromEnvironment } from './protocol/logging';
import { listenForTerraform } from './protocol/provider-listener';
import type * as ProviderCore from './provider-core';

async function main(): Promise<void> {
  const logger = createLogger(levelFromEnvironment(process.env));
  // Ctrl-C reaches every process in the terminal's group. Terraform answers it with StopProvider and a
  // graceful shutdown; dying on the signal ourselves would turn that into "plugin exited unexpectedly".
  process.on('SIGINT', () => logger.log('debug', 'SIGINT ignored; waiting for StopProvider'));
  const parent = process.ppid;
  // If Terraform is killed outright nobody calls Shutdown: leave instead of lingering as an orphan.
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 2000).unref();
  const listening = await listenForTerraform({ logger });
  // Only now the provider proper: packaged, a bundle of its own (scripts/package.ts, SIDE_BUNDLES), so nothing of it
  // is loaded before the line. Synchronously, so its routes are there before the first connection is accepted.
  const { serveExoform } = require('./provider-core') as typeof ProviderCore;
  serveExoform(listening, logger, () => process.exit(0));
}

// `--version` (Terraform never passes arguments): the Node runtime this executable runs on, since a release
// executable embeds its own (README, "Install the provider").
if (process.argv[2] === '--version') {
  process.stdout.write(`exoform provider, Node ${process.version} (${process.platform}-${process.arch})\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  if (error instanceof HandshakeError) {
    process.stderr.write(error.message + '\n');
    process.exit(1);
  }
  process.stderr.write(
    `exoform provider failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
