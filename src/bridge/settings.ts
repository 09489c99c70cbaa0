/**
 * Provider-setting rules shared by the REST and PowerShell bridges, so both accept and refuse the same values with
 * the same messages.
 */

import { ConfigurationError } from './errors';
import { isHeaderSafe } from './validate';

/** A setting counts as set when it is a string with something other than whitespace (environment variables are often ""). */
export function isSet(value: string | undefined | null): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * The `access_token` setting as it goes into the Authorization header. A pasted "Bearer " prefix is tolerated;
 * anything else must be a single header-safe word (no spaces or newlines). `alternative` ends the remedy: what else
 * the user could sign in with on this bridge (e.g. "use client credentials").
 */
export function normalizeAccessToken(accessToken: string, alternative: string): string {
  const token = String(accessToken ?? '')
    .trim()
    .replace(/^Bearer\s+/i, '');
  if (!isHeaderSafe(token)) {
    throw new ConfigurationError(
      token === ''
        ? 'The `access_token` setting is empty.'
        : 'The `access_token` setting is not a well-formed token (it contains spaces or non-ASCII characters).',
      `Set \`access_token\` to the raw access token for https://outlook.office365.com (without quotes), or ${alternative}.`,
      ['access_token'],
    );
  }
  return token;
}
