/**
 * Recognises values that are secrets, so a fleet file that holds one is rejected instead of being synthesized into
 * cdktf.out/ (and from there into CI artifacts). Internal: not exported from constructs/index.ts.
 */

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*$/, 'an access token (JWT)'],
  [/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/, 'a PEM key or certificate'],
  [/^[A-Za-z0-9._-]{2,5}Q~[A-Za-z0-9._~-]{25,}$/, 'an Entra client secret'],
];

/** What kind of secret `value` looks like, or undefined. */
export function secretKind(value: string): string | undefined {
  const trimmed = value.trim();
  for (const [pattern, kind] of PATTERNS) if (pattern.test(trimmed)) return kind;
  return undefined;
}

/** Terraform reads input variables from TF_VAR_<name>; <name> must be a valid variable name. */
export const ENV_REFERENCE = /^TF_VAR_([A-Za-z_][A-Za-z0-9_-]*)$/;
