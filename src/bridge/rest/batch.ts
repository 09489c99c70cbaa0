/**
 * Reading the answer of `POST .../adminapi/beta/{organization}/$batch` (OData JSON batch):
 *   {"responses":[{"id":"1","status":200,"headers":{...},"body":{...}}, ...]}
 */

import { ServiceBugError } from '../errors';
import { tryParseJson } from './response-page';

export interface BatchItemResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, or raw text when the item body was not JSON. */
  body: unknown;
}

/** Item responses by id. Responses arrive in any order; a missing id is reported per item by the caller. */
export function parseBatchResponse(body: unknown): Map<string, BatchItemResponse> {
  const responses = typeof body === 'object' && body !== null ? (body as { responses?: unknown }).responses : undefined;
  if (!Array.isArray(responses)) {
    throw new ServiceBugError(
      'Unexpected answer from Exchange Online to $batch: no `responses` array.',
      'Check that `endpoint` points at Exchange Online; apply again and report it if it persists.',
      '$batch',
    );
  }
  const byId = new Map<string, BatchItemResponse>();
  for (const item of responses) {
    if (typeof item !== 'object' || item === null) continue;
    const {
      id,
      status,
      headers,
      body: itemBody,
    } = item as { id?: unknown; status?: unknown; headers?: unknown; body?: unknown };
    if ((typeof id !== 'string' && typeof id !== 'number') || typeof status !== 'number') continue;
    byId.set(String(id), {
      status,
      headers: lowerCaseHeaders(headers),
      // Some OData servers send item bodies as JSON text rather than as nested JSON.
      body: typeof itemBody === 'string' ? tryParseJson(itemBody) : itemBody,
    });
  }
  return byId;
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return result;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string' || typeof value === 'number') result[name.toLowerCase()] = String(value);
  }
  return result;
}
