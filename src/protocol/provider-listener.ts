/**
 * The provider's start up to its handshake line: check Terraform's environment, make the server certificate (a
 * fresh key per process, never on disk), listen on loopback and write the line. Terraform waits on this 3–5 times
 * per command, so it is all the release executable's main script runs before the line; the routes and the provider
 * itself (src/provider-core.ts) are loaded right after it (docs/performance.md, "Measured in this change (start-up,
 * split bundle)").
 */
import { writeSync } from 'node:fs';
import { GrpcServer } from './grpc-server';
import { formatHandshakeLine, readHandshakeEnvironment } from './handshake';
import type { Logger } from './logging';
import { createServerCertificate } from './server-certificate';

export interface ListenOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Where the handshake line goes; stdout in production. */
  writeHandshake?: (line: string) => void;
}

/** A server that listens and has announced itself, with no routes yet. */
export interface ListeningServer {
  server: GrpcServer;
  address: string;
}

/**
 * Listens and writes the handshake line. The caller adds its routes synchronously once this resolves: no
 * connection is accepted before the event loop's next turn, so none can reach a server without them.
 */
export async function listenForTerraform(options: ListenOptions): Promise<ListeningServer> {
  const environment = readHandshakeEnvironment(options.env ?? process.env);
  const certificate = createServerCertificate();
  const server = new GrpcServer(
    {
      certificatePem: certificate.certificatePem,
      privateKeyPem: certificate.privateKeyPem,
      clientCertificatePem: environment.clientCertificatePem,
    },
    options.logger,
  );
  const address = await server.listen();
  (options.writeHandshake ?? writeToStdout)(formatHandshakeLine(address, certificate.der));
  return { server, address: address.address };
}

/**
 * Writes the handshake line straight to file descriptor 1. Nothing else ever goes to stdout, and process.stdout
 * would first build a stream around the pipe (~2 ms before the line, at every start). Terraform hands the provider a
 * blocking pipe; should a write still find it busy, the rest goes through process.stdout.
 */
function writeToStdout(line: string): void {
  const bytes = Buffer.from(line + '\n', 'utf8');
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    process.stdout.write(bytes.subarray(written));
  }
}
