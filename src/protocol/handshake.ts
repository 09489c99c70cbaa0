/**
 * go-plugin's handshake: the environment Terraform sets before it execs a provider, and the one line the
 * provider answers on stdout.
 */

export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
export const CORE_PROTOCOL_VERSION = 1;
export const APP_PROTOCOL_VERSION = 6;

export class HandshakeError extends Error {}

export interface HandshakeEnvironment {
  /** PEM of the certificate Terraform will present; the server must require it. */
  clientCertificatePem: string;
}

/** Checks that Terraform started us; otherwise explains how this program is meant to be used. */
export function readHandshakeEnvironment(env: NodeJS.ProcessEnv): HandshakeEnvironment {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeError(
      'This program is a Terraform plugin (the exoform Exchange Online provider) and is not meant to be run directly.\n' +
        'Install it into a Terraform provider mirror and let the terraform CLI start it (README: "Install the provider").',
    );
  }
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? String(APP_PROTOCOL_VERSION))
    .split(',')
    .map((v) => Number(v.trim()));
  if (!offered.includes(APP_PROTOCOL_VERSION)) {
    throw new HandshakeError(
      `This provider speaks plugin protocol ${APP_PROTOCOL_VERSION}; Terraform offered ${env.PLUGIN_PROTOCOL_VERSIONS}. ` +
        'Use Terraform 1.0 or later.',
    );
  }
  const clientCertificatePem = env.PLUGIN_CLIENT_CERT;
  if (!clientCertificatePem) {
    throw new HandshakeError(
      "PLUGIN_CLIENT_CERT is not set: this provider requires Terraform's automatic mutual TLS (Terraform 0.15 or later).",
    );
  }
  return { clientCertificatePem };
}

/** The line Terraform reads from stdout: core version, app version, network, address, protocol, server cert. */
export function formatHandshakeLine(
  address: { network: 'tcp' | 'unix'; address: string },
  serverCertificateDer: Buffer,
): string {
  // go-plugin decodes the certificate with unpadded base64 (RawStdEncoding); padding makes it fail.
  const certificate = serverCertificateDer.toString('base64').replace(/=+$/, '');
  return [CORE_PROTOCOL_VERSION, APP_PROTOCOL_VERSION, address.network, address.address, 'grpc', certificate].join('|');
}
