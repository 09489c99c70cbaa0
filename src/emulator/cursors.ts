/**
 * Paging cursors: a multi-page answer is a snapshot held under a cursor id, so page 2 is consistent with page 1 even
 * when the tenant changes between the two requests.
 *
 * The skiptoken names the cursor AND the offset, so fetching the same nextLink twice (a retry after a 429 or a lost
 * connection) returns the same page instead of silently skipping one.
 */
import { randomBytes } from 'node:crypto';
import type { RowSet } from './cmdlets/all-cmdlets';
import { wireErrors } from './wire-errors';

interface Cursor {
  readonly tenantId: string;
  readonly cmdlet: string;
  readonly rows: RowSet;
  readonly pageSize: number;
  expiresAt: number;
}

export interface PageRequest {
  readonly rows: RowSet;
  readonly offset: number;
  readonly pageSize: number;
  /** Sequence number of the page within the listing: 0 for the first page. */
  readonly pageNumber: number;
}

export const DEFAULT_CURSOR_TTL_MS = 10 * 60 * 1000;
/** Bounds memory when clients abandon listings; the oldest cursors go first. */
const MAX_CURSORS = 1000;

export class CursorStore {
  private readonly cursors = new Map<string, Cursor>();

  constructor(private readonly ttlMs: number = DEFAULT_CURSOR_TTL_MS) {}

  /** Keeps `rows` for later pages; returns the skiptoken for the page starting at `offset`. */
  open(tenantId: string, cmdlet: string, rows: RowSet, pageSize: number, offset: number, now = Date.now()): string {
    this.sweep(now);
    const id = randomBytes(12).toString('base64url');
    this.cursors.set(id, { tenantId, cmdlet, rows, pageSize, expiresAt: now + this.ttlMs });
    while (this.cursors.size > MAX_CURSORS) this.cursors.delete(this.cursors.keys().next().value!);
    return encodeToken(id, offset);
  }

  /** The page a skiptoken points at, after checking it belongs to this tenant and cmdlet. Refreshes the TTL. */
  resume(
    token: string,
    tenantId: string,
    cmdlet: string,
    now = Date.now(),
  ): PageRequest & { token(offset: number): string } {
    const decoded = decodeToken(token);
    const cursor = decoded && this.cursors.get(decoded.id);
    if (!decoded || !cursor || cursor.expiresAt < now) {
      if (decoded) this.cursors.delete(decoded.id);
      throw wireErrors.invalidSkipToken(
        `it is unknown or has expired (listings are kept ${Math.round(this.ttlMs / 1000)} s after their last page request, and an emulator restart or reset forgets them)`,
      );
    }
    if (cursor.tenantId !== tenantId) throw wireErrors.invalidSkipToken('it belongs to a listing of another tenant');
    if (cursor.cmdlet.toLowerCase() !== cmdlet.toLowerCase()) {
      throw wireErrors.invalidSkipToken(
        `it continues a ${cursor.cmdlet} listing but this request runs ${cmdlet}; POST the same body to @odata.nextLink`,
      );
    }
    if (decoded.offset > cursor.rows.count)
      throw wireErrors.invalidSkipToken('its position is past the end of the listing');
    cursor.expiresAt = now + this.ttlMs;
    return {
      rows: cursor.rows,
      offset: decoded.offset,
      pageSize: cursor.pageSize,
      pageNumber: Math.ceil(decoded.offset / cursor.pageSize),
      token: (offset) => encodeToken(decoded.id, offset),
    };
  }

  clear(): void {
    this.cursors.clear();
  }

  private sweep(now: number): void {
    for (const [id, cursor] of this.cursors) if (cursor.expiresAt < now) this.cursors.delete(id);
  }
}

function encodeToken(id: string, offset: number): string {
  return Buffer.from(`${id}:${offset}`).toString('base64url');
}

function decodeToken(token: string): { id: string; offset: number } | undefined {
  const match = /^([A-Za-z0-9_-]{16}):(\d{1,10})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match ? { id: match[1]!, offset: Number(match[2]) } : undefined;
}
