/**
 * Reads one successful page of an InvokeCommand answer:
 *   {"@odata.context": ..., "@adminapi.warnings": [...], "value": [...], "@odata.nextLink": "..."}
 */

import type { JsonValue, Row } from '../bridge';
import { ServiceBugError } from '../errors';

export interface ResultPage {
  rows: Row[];
  warnings: string[];
  nextLink?: string;
  /** `@adminapi.errors` entries: the cmdlet reported errors inside a 200 answer, which fails the call. */
  errors: JsonValue[];
}

/**
 * Parses JSON text, or returns undefined when it is empty. Text that is not JSON (gateways answer errors in HTML) is
 * returned as it is. NUL padding (a 403 of the service can be NUL-padded) counts as empty.
 */
export function tryParseJson(rawText: string): unknown {
  const text = rawText.replace(/^[\s\u0000]+|[\s\u0000]+$/g, '');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function parseResultPage(body: unknown, cmdlet: string): ResultPage {
  if (body === undefined) return { rows: [], warnings: [], errors: [] }; // e.g. 204 from a Set-* cmdlet
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw unexpected(cmdlet, `the response is not a JSON object: ${String(body).slice(0, 200)}`);
  }
  const page = body as Record<string, JsonValue | undefined>;
  const value = page['value'];
  let rows: Row[];
  if (value === undefined || value === null) rows = [];
  else if (Array.isArray(value) && value.every(isRow)) rows = value;
  else if (isRow(value)) rows = [value];
  else throw unexpected(cmdlet, '`value` is neither an object nor an array of objects');

  const nextLink = page['@odata.nextLink'];
  if (nextLink !== undefined && nextLink !== null && typeof nextLink !== 'string') {
    throw unexpected(cmdlet, '`@odata.nextLink` is not a string');
  }
  const errors = page['@adminapi.errors'];
  return {
    rows,
    warnings: readWarnings(page['@adminapi.warnings']),
    nextLink: nextLink || undefined,
    errors: errors === undefined || errors === null ? [] : Array.isArray(errors) ? errors : [errors],
  };
}

/**
 * The warning the service puts on every page but the last ("There are more results available than are currently
 * displayed..."): the module hides it on non-final pages, and so does the bridge, since it fetches the rest.
 */
const MORE_RESULTS_WARNING = /^\s*(WARNING:\s*)?There are more results available than are currently displayed/i;

/** The warnings of a page worth showing: the "more results" warning is dropped when the page has a nextLink. */
export function pageWarnings(page: ResultPage): { shown: string[]; dropped: number } {
  if (!page.nextLink) return { shown: page.warnings, dropped: 0 };
  const shown = page.warnings.filter((warning) => !MORE_RESULTS_WARNING.test(warning));
  return { shown, dropped: page.warnings.length - shown.length };
}

function isRow(value: JsonValue | undefined): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readWarnings(warnings: JsonValue | undefined): string[] {
  if (warnings === undefined || warnings === null) return [];
  const list = Array.isArray(warnings) ? warnings : [warnings];
  return list.map((warning) => {
    if (typeof warning === 'string') return warning;
    if (isRow(warning) && typeof warning['Message'] === 'string') return warning['Message'];
    return JSON.stringify(warning);
  });
}

function unexpected(cmdlet: string, problem: string): ServiceBugError {
  return new ServiceBugError(
    `Unexpected answer from Exchange Online to ${cmdlet}: ${problem}.`,
    'Check that `endpoint` points at Exchange Online; if it does, apply again and report the problem if it persists.',
    cmdlet,
  );
}
