/**
 * Last-line redaction for text that leaves the provider (diagnostics, log lines): credentials written into a URL
 * (`scheme://user:password@host`, or `//user:password@host`) never pass, whatever path produced the text. Text
 * without `//` is left alone: `enabled:scanner@contoso.com` (a list import ID) is not a credential, and a setting
 * value that fails to parse as a URL is never echoed at all (showSettingValue).
 */

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/|\/\/)([^\s"'`/@]*:[^\s"'`/]*)@/gi;

/** `https://user:secret@host` → `https://[redacted]@host`; text without such a part is returned unchanged. */
export function redactUrlCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_CREDENTIALS, (_, prefix: string) => `${prefix}[redacted]@`);
}

/**
 * A setting's value for an error message: shown when it is a plain word (what a valid value of a non-secret setting
 * looks like), else described by its length only, since a mistyped value may be a credential pasted in the wrong place.
 */
export function showSettingValue(value: unknown): string {
  const text = String(value);
  return /^[\w.-]{1,64}$/.test(text)
    ? JSON.stringify(text)
    : `(${text.length} characters, not shown: it may contain a secret)`;
}
