/**
 * Last-line redaction for text that leaves the provider (diagnostics, log lines): credentials written into a URL
 * (`scheme://user:password@host`, also without a scheme) never pass, whatever path produced the text.
 */

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/|\/\/|^|[\s"'`(=])([^\s"'`/@]*:[^\s"'`/]*)@/gi;

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
  return /^[\w.-]{1,64}$/.test(text) ? JSON.stringify(text) : `(${text.length} characters, not shown: it may contain a secret)`;
}
