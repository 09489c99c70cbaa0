/**
 * Logging for the REST bridge. The bridge never logs tokens, headers or request bodies; parameters are logged with
 * the values of secret-looking names replaced, because a cmdlet parameter may carry a password.
 */

import type { CmdletParameters, JsonValue } from '../bridge';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Flat fields so any structured logger (and Terraform's JSON log lines) can take them as they are. */
export type LogFields = Record<string, string | number | boolean | undefined>;
export type BridgeLogger = (level: LogLevel, message: string, fields: LogFields) => void;

const MAX_LOGGED_PARAMETERS = 2_000;

const SECRET_NAME = /pass(word)?|secret|token|credential|key|certificate|pfx|pwd/i;
const REDACTED = '[redacted]';

function redactParameters(parameters: CmdletParameters): Record<string, JsonValue> {
  const shown: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(parameters)) shown[name] = SECRET_NAME.test(name) ? REDACTED : value;
  return shown;
}

/** Redacted parameters as one bounded JSON string for a log field. */
export function parametersForLog(parameters: CmdletParameters): string {
  const text = JSON.stringify(redactParameters(parameters));
  return text.length > MAX_LOGGED_PARAMETERS
    ? `${text.slice(0, MAX_LOGGED_PARAMETERS)}... (${text.length} characters)`
    : text;
}

/** Replaces every occurrence of each secret in `text`. Defence in depth for messages that come from libraries. */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let scrubbed = text;
  for (const secret of secrets) {
    // Very short values (e.g. an empty PFX password) would mangle ordinary text without protecting anything.
    if (secret && secret.length >= 4) scrubbed = scrubbed.split(secret).join(REDACTED);
  }
  return scrubbed;
}
