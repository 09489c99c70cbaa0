/**
 * Provider logs: JSON lines on stderr in the hclog shape go-plugin understands, so Terraform files each line
 * under the right level in its own log (TF_LOG / TF_LOG_PROVIDER). stdout belongs to the handshake alone.
 */

import { redactUrlCredentials } from '../bridge/redact';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel | 'off', number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

/** The level Terraform asked for: TF_LOG_PROVIDER wins over TF_LOG; "json" means trace; unset means off. */
export function levelFromEnvironment(env: NodeJS.ProcessEnv): LogLevel | 'off' {
  const raw = (env.TF_LOG_PROVIDER || env.TF_LOG || '').trim().toLowerCase();
  if (raw === '' || raw === 'off') return 'off';
  if (raw === 'json') return 'trace';
  return raw in RANK ? (raw as LogLevel) : 'trace'; // Terraform treats unknown levels as trace, so do we.
}

export function createLogger(
  minimum: LogLevel | 'off',
  write: (line: string) => void = (line) => process.stderr.write(line),
  module = 'provider.exoform',
): Logger {
  const threshold = RANK[minimum];
  return {
    enabled: (level) => RANK[level] >= threshold,
    log(level, message, fields) {
      if (RANK[level] < threshold) return;
      const entry: Record<string, unknown> = {
        '@level': level,
        '@message': redactUrlCredentials(message),
        '@module': module,
        '@timestamp': hclogTimestamp(new Date()),
      };
      if (fields)
        for (const [key, value] of Object.entries(fields))
          if (value !== undefined) entry[key] = typeof value === 'string' ? redactUrlCredentials(value) : value;
      write(JSON.stringify(entry) + '\n');
    },
  };
}

export const silentLogger: Logger = { enabled: () => false, log: () => undefined };

/**
 * hclog's JSON time format, `2006-01-02T15:04:05.000000Z07:00`: go-plugin parses each stderr line's `@timestamp`
 * with exactly that layout (six fractional digits) and, when it fails, logs the whole line as unparsed text at DEBUG,
 * so a provider warning would show only under TF_LOG=DEBUG. JavaScript dates carry milliseconds: pad to micro.
 */
export function hclogTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
