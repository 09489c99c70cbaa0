/**
 * The provider process: Terraform execs this (through the packaged terraform-provider-exchangeonline),
 * reads the handshake line from stdout, and drives it over gRPC until it calls Shutdown.
 */
import { HandshakeError } from './protocol/handshake';
import { createLogger, levelFromEnvironment } from './protocol/logging';
import type { ProviderHandler } from './protocol/provider-handler';
import { serveProvider } from './protocol/provider-server';
import { createProviderHandler } from './provider/framework/create-provider-handler';
import { createExoformProvider } from './provider/provider';

/**
 * A provider holds a 60,000-member list three times over during a plan (config, prior state, proposed state) and
 * Terraform runs several providers at once: V8's memory-lean heap growth keeps the peak near the live data, at no
 * measurable cost in speed (figures and how to measure them: docs/performance.md). A runtime flag, because the
 * release executable (a Node single-executable application) cannot carry command-line flags; set after the
 * handshake line, since loading node:v8 costs a few milliseconds of the start Terraform waits on.
 */
function leanHeap(): void {
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--optimize-for-size');
}

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
  // Built right after the handshake line, off the start-up path Terraform waits on.
  const handler = (): ProviderHandler => {
    leanHeap();
    return createProviderHandler(createExoformProvider(logger));
  };
  await serveProvider({ handler, logger, onShutdown: () => process.exit(0) });
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
