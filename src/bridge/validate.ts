/** Small checks shared by the bridge implementations, so each rule (and its error text) is written once. */

/** `value` if it is a positive integer; otherwise a RangeError naming `name`. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** True when `value` can go into an HTTP header as one word: printable ASCII, no spaces, not empty. */
export function isHeaderSafe(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}
