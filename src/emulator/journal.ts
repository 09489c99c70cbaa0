/**
 * The state journal: an append-only file next to the state file (`<data>.journal`) that makes an acknowledged change
 * cost one small append + fdatasync instead of a rewrite of the whole state file (57 MB with 60,000 mailboxes).
 *
 * Layout: one line per group commit, `<16 hex digits of SHA-256 of the JSON> <JSON>\n`, the JSON being
 *
 *   {"lineage":"…","seq":42,"savedAt":"…","tenants":{"<tenantId>":{"revision":7,"recipients":[{…}],"removedRecipients":["<guid>"],…}}}
 *
 * holding the new value of every record that changed since the previous line (records are small and immutable, so a
 * changed record is written whole; no diffs to get wrong). The state file (the snapshot) records the `lineage` it
 * belongs to and the `journalSeq` it already contains; loading replays lines with a higher seq, in order, with no gaps.
 *
 * Crash safety:
 * - A group is acknowledged only after its line is fsynced, and the next group is written only after that. So
 *   whatever a crash damages is the last line, and that line was never acknowledged: a torn or garbled LAST line is
 *   dropped (and cut off the file before anything is appended). A bad line FOLLOWED by a good one is real damage:
 *   the emulator refuses to start rather than guess.
 * - Compaction writes a new snapshot atomically (temp file, fsync, rename, directory fsync) with journalSeq = the last
 *   seq, and only then deletes the journal. A crash in between leaves journal lines the snapshot already contains;
 *   they are skipped by seq.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, ftruncateSync } from 'node:fs';
import {
  AuthenticationPolicyRecord,
  OrganizationConfigState,
  RecipientRecord,
  TenantState,
  TransportConfigState,
  freezeDeep,
} from './model';
import { StateDocument, StateFileError, checkJournalTenant, parseStateFile } from './state-file';
import { Problems, isPlainObject } from './problems';

export const JOURNAL_SUFFIX = '.journal';

/** What changed in one tenant since the previous journal line: new values, never diffs. */
export interface TenantChanges {
  /** The tenant's revision after these changes. */
  revision: number;
  transportConfig?: TransportConfigState;
  organizationConfig?: OrganizationConfigState;
  /** Inserted or replaced (matched by Guid); new ones go to the end of the list. */
  recipients?: RecipientRecord[];
  removedRecipients?: string[];
  authenticationPolicies?: AuthenticationPolicyRecord[];
  removedAuthenticationPolicies?: string[];
}

export interface JournalGroup {
  lineage: string;
  seq: number;
  savedAt: string;
  tenants: Record<string, TenantChanges>;
}

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

export function encodeGroup(group: JournalGroup): string {
  const json = JSON.stringify(group);
  return `${checksum(json)} ${json}\n`;
}

/** The group a line holds, or undefined when the line is torn, garbled or fails its checksum. */
function decodeLine(line: string): JournalGroup | undefined {
  if (line.length < 18 || line[16] !== ' ') return undefined;
  const json = line.slice(17);
  if (checksum(json) !== line.slice(0, 16)) return undefined;
  try {
    const group = JSON.parse(json) as JournalGroup;
    if (
      !isPlainObject(group) ||
      typeof group.seq !== 'number' ||
      typeof group.lineage !== 'string' ||
      !isPlainObject(group.tenants)
    )
      return undefined;
    return group;
  } catch {
    return undefined;
  }
}

export interface JournalContents {
  groups: JournalGroup[];
  /** Bytes of intact lines at the start of the file. */
  validBytes: number;
  /** Bytes after them: a torn last line (never acknowledged), to be cut off. 0 when the file ends cleanly. */
  tornBytes: number;
}

const MOVE_AWAY = (path: string, journal: string): string =>
  `The emulator did not modify them. To start over from the seed, move both away (for example: mv "${path}" "${path}.broken"; ` +
  `mv "${journal}" "${journal}.broken") and start the emulator again; to keep the data, restore both from a backup.`;

/** Reads and checks a journal file. Missing file = empty journal. Throws StateFileError on damage that is not a torn tail. */
export function readJournal(journalPath: string, dataFile: string): JournalContents {
  if (!existsSync(journalPath)) return { groups: [], validBytes: 0, tornBytes: 0 };
  const buffer = readFileSync(journalPath);
  const groups: JournalGroup[] = [];
  let offset = 0;
  let lineNumber = 0;
  while (offset < buffer.length) {
    const newline = buffer.indexOf(0x0a, offset);
    const end = newline < 0 ? buffer.length : newline;
    lineNumber++;
    const group = newline < 0 ? undefined : decodeLine(buffer.toString('utf8', offset, end));
    if (!group) {
      // Damaged. Acceptable only as the unacknowledged tail: nothing intact may follow it.
      const rest = buffer.subarray(end + 1);
      const intactLater =
        newline >= 0 &&
        rest
          .toString('utf8')
          .split('\n')
          .some((l) => decodeLine(l) !== undefined);
      if (intactLater) {
        throw new StateFileError(
          dataFile,
          `Journal ${journalPath} is damaged: line ${lineNumber} is unreadable but later lines are intact, so acknowledged changes ` +
            `would be lost by ignoring it. ${MOVE_AWAY(dataFile, journalPath)}`,
        );
      }
      return { groups, validBytes: offset, tornBytes: buffer.length - offset };
    }
    groups.push(group);
    offset = end + 1;
  }
  return { groups, validBytes: offset, tornBytes: 0 };
}

/**
 * What a restart would load from `dataFile` and its journal, without changing either file (a torn last journal line
 * is ignored, not cut off). For tests and tools that look at the state on disk while the emulator runs or after a
 * kill -9: the state file alone lacks whatever is still in the journal.
 */
export function readPersistedState(
  dataFile: string,
): StateDocument & { journalEntries: number; tornJournalBytes: number } {
  const document = parseStateFile(readFileSync(dataFile, 'utf8'), dataFile);
  const journalPath = `${dataFile}${JOURNAL_SUFFIX}`;
  const journal = readJournal(journalPath, dataFile);
  const journalSeq = document.journalSeq ?? 0;
  const replayed = replayJournal(
    document.tenants,
    journal.groups,
    { lineage: document.lineage, journalSeq },
    journalPath,
    dataFile,
  );
  return {
    ...document,
    tenants: replayed.tenants,
    journalSeq: replayed.lastSeq,
    journalEntries: replayed.lastSeq - journalSeq,
    tornJournalBytes: journal.tornBytes,
  };
}

/** Cuts a torn tail off the journal (durably) so that the next append starts on a clean line. */
export function truncateJournal(journalPath: string, length: number): void {
  const fd = openSync(journalPath, 'r+');
  try {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Applies the journal's groups newer than `journalSeq` to the snapshot's tenants. Checks lineage and that seqs
 * continue without gaps; returns the tenants (frozen) and the last seq.
 */
export function replayJournal(
  tenants: readonly TenantState[],
  groups: readonly JournalGroup[],
  snapshot: { lineage: string | undefined; journalSeq: number },
  journalPath: string,
  dataFile: string,
): { tenants: TenantState[]; lastSeq: number } {
  const fail = (why: string): never => {
    throw new StateFileError(
      dataFile,
      `Journal ${journalPath} does not fit state file ${dataFile}: ${why}. ${MOVE_AWAY(dataFile, journalPath)}`,
    );
  };
  let lastSeq = snapshot.journalSeq;
  const pending = groups.filter((g) => g.seq > snapshot.journalSeq);
  if (pending.length === 0) return { tenants: [...tenants], lastSeq };
  if (snapshot.lineage === undefined)
    fail('the state file was written by an exoform without journal support (version 1)');
  const mutable = new Map(
    tenants.map((t) => [
      t.tenantId,
      {
        ...t,
        recipients: [...t.recipients],
        authenticationPolicies: [...t.authenticationPolicies],
      },
    ]),
  );
  const positions = new Map<string, Map<string, number>>();
  const positionsOf = (tenantId: string, list: readonly { Guid: string }[], kind: string): Map<string, number> => {
    const key = `${tenantId}/${kind}`;
    let map = positions.get(key);
    if (!map) {
      map = new Map(list.map((r, i) => [r.Guid.toLowerCase(), i]));
      positions.set(key, map);
    }
    return map;
  };
  for (const group of pending) {
    if (group.lineage !== snapshot.lineage)
      fail(
        `its line with seq ${group.seq} belongs to another state file (lineage ${group.lineage}, expected ${snapshot.lineage})`,
      );
    if (group.seq !== lastSeq + 1) fail(`it continues at seq ${group.seq} but the state file ends at seq ${lastSeq}`);
    lastSeq = group.seq;
    for (const [tenantId, changes] of Object.entries(group.tenants)) {
      const tenant = mutable.get(tenantId);
      if (!tenant)
        fail(`its line with seq ${group.seq} changes tenant ${tenantId}, which the state file does not have`);
      const problems = new Problems();
      checkJournalTenant(changes, `journal seq ${group.seq}, tenant ${tenantId}`, problems);
      if (!problems.ok) fail(`its line with seq ${group.seq} is not valid:\n${problems.format()}`);
      const t = tenant!;
      t.revision = changes.revision;
      if (changes.transportConfig) t.transportConfig = changes.transportConfig;
      if (changes.organizationConfig) t.organizationConfig = changes.organizationConfig;
      applyList(
        t.recipients,
        changes.recipients,
        changes.removedRecipients,
        () => positionsOf(tenantId, t.recipients, 'r'),
        (key) => positions.delete(`${tenantId}/${key}`),
        'r',
      );
      applyList(
        t.authenticationPolicies,
        changes.authenticationPolicies,
        changes.removedAuthenticationPolicies,
        () => positionsOf(tenantId, t.authenticationPolicies, 'p'),
        (key) => positions.delete(`${tenantId}/${key}`),
        'p',
      );
    }
  }
  return { tenants: tenants.map((t) => freezeDeep(mutable.get(t.tenantId)!) as TenantState), lastSeq };
}

function applyList<T extends { Guid: string }>(
  list: T[],
  upserts: readonly T[] | undefined,
  removals: readonly string[] | undefined,
  positions: () => Map<string, number>,
  invalidate: (kind: string) => void,
  kind: string,
): void {
  for (const record of upserts ?? []) {
    const map = positions();
    const at = map.get(record.Guid.toLowerCase());
    if (at === undefined) {
      map.set(record.Guid.toLowerCase(), list.length);
      list.push(record);
    } else list[at] = record;
  }
  if (removals && removals.length > 0) {
    const gone = new Set(removals.map((g) => g.toLowerCase()));
    const kept = list.filter((r) => !gone.has(r.Guid.toLowerCase()));
    list.length = 0;
    for (const record of kept) list.push(record);
    invalidate(kind);
  }
}
