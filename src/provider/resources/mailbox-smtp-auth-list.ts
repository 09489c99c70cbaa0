/**
 * exchangeonline_mailbox_smtp_auth_list — one SMTP AUTH setting for many mailboxes: the seeds' allow list
 * ("Allow SMTP AUTH.txt", one mailbox a line), a list to disable, or a list to return to the org setting.
 *
 * - A mailbox removed from `identities` returns to inherit.
 * - `exclusive = true` also returns to inherit every other mailbox carrying the same setting, so "org off, only
 *   these mailboxes may use SMTP AUTH" is enforced.
 * - Writes are batched; when some fail, the state records exactly what was applied and each failure gets its
 *   own diagnostic, so the next apply finishes the job.
 *
 * Built for lists of 60,000 mailboxes. Terraform matches set and list elements pairwise (quadratic in its plan
 * renderer and in its post-apply checks), so the members are a map, and the state keeps no per-mailbox detail
 * beyond what is out of line: `out_of_sync` (listed mailboxes whose setting differs) and `stray_mailboxes`. A
 * no-op plan costs one bulk read in refresh; planning reads nothing; applying reads nothing unless `exclusive`.
 */
import { notePlannedMailboxValue } from '../shared/planned-mailbox-values';
import { randomUUID } from 'node:crypto';
import type { ExchangeError } from '../../bridge/errors';
import { errorDiagnostic, type Diagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import {
  DISABLED,
  ENABLED,
  INHERIT,
  identityProblem,
  settingWord,
  type CasMailbox,
  type SmtpAuthOverride,
} from '../../exchange/cas-mailbox-operations';
import {
  confirmSmtpAuthWrites,
  identityForms,
  type Resolution,
  type SmtpAuthChange,
} from '../../exchange/mailbox-directory';
import type { ExchangeSession } from '../../exchange/session';
import { exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import {
  DiagnosticError,
  PartialResultError,
  type OperationContext,
  type ResourceDefinition,
} from '../framework/resource';
import { Unknown, isKnown, mapKeys, readBool, type CtyValue, type ObjectValue } from '../framework/values';

/** What `out_of_sync` and `stray_mailboxes` say about a mailbox. */
const NOT_FOUND = 'not found';
/** Found at an earlier refresh or apply, not found now: deleted outside Terraform (vanished.ts). Kept until unlisted. */
const DELETED = 'deleted';
const AMBIGUOUS = 'ambiguous';
const UNKNOWN = 'unknown';

/** New identities checked at plan time with single lookups when the tenant has not been read in bulk yet. */
const PLAN_CHECK_LIMIT = 8;

export const mailboxSmtpAuthListSchema: Schema = {
  version: 1,
  block: {
    description:
      'One SMTP AUTH setting for a list of mailboxes, for example the mailboxes allowed to use SMTP AUTH while it is off for the organization. ' +
      'Mailboxes removed from the list return to the organization setting; with `exclusive = true`, so does every other mailbox with the same setting. ' +
      'Scales to tens of thousands of mailboxes: the state keeps only the mailboxes that are out of line. ' +
      'Import with `enabled` or `disabled` to adopt every mailbox that has that setting now, or with `enabled:<mailbox>,<mailbox>,...` ' +
      '(or `disabled:` / `inherit:`) to adopt exactly the mailboxes named. ' +
      'Members are found by their identity as written at every refresh (no GUID is pinned): a renamed mailbox is still found ' +
      'while the identity listed remains one of its addresses (kept as a secondary address); otherwise it shows as `"deleted"` ' +
      'and the list no longer touches it, not even on destroy. ' +
      'A listed mailbox deleted outside Terraform shows as `"deleted"` in `out_of_sync` with one warning naming it; plans warn and never fail, ' +
      'so `terraform destroy` keeps working, and applying fails for it (the other mailboxes are still applied) until it is removed from `identities`.',
    attributes: {
      id: { type: 'string', computed: true, description: 'A random identifier for this list.' },
      identities: {
        type: ['map', 'string'],
        required: true,
        description:
          'The mailboxes, as the keys of a map: user principal name, primary SMTP address, GUID or any other identity Exchange accepts. ' +
          'Each value is a free-text note (why the mailbox is listed, or `""`); it is kept in state only, never sent to Exchange. ' +
          'A text file with one mailbox a line: `provider::exchangeonline::mailbox_list(file("allow-smtp-auth.txt"))` (Terraform 1.8+; comments after an address become notes).',
      },
      smtp_client_authentication_disabled: {
        type: 'bool',
        optional: true,
        description:
          '`false` enables SMTP AUTH for every listed mailbox, `true` disables it, unset (null) returns them to the organization setting.',
      },
      exclusive: {
        type: 'bool',
        optional: true,
        computed: true,
        description:
          'When `true`, every mailbox not in `identities` that carries the same setting is returned to the organization setting. Default `false`.',
      },
      out_of_sync: {
        type: ['map', 'string'],
        computed: true,
        description:
          'Listed mailboxes whose setting differs from the list\'s, as the last refresh found them: identity → `"enabled"`, `"disabled"`, `"inherit"`, ' +
          '`"not found"`, `"deleted"` (found before, deleted outside Terraform since), `"ambiguous"` (the identity names several mailboxes) ' +
          'or `"unknown"` (a write failed). ' +
          'The plan shows each one leaving this map: those are the mailboxes the apply changes besides the ones added to `identities`. ' +
          'Empty after a successful apply; after a partial failure it holds the mailboxes that failed.',
      },
      stray_mailboxes: {
        type: ['map', 'string'],
        computed: true,
        description:
          "Mailboxes outside the list that carry the list's setting and that the apply returns to inherit (primary SMTP address → setting): with `exclusive`, every such mailbox; " +
          'otherwise mailboxes removed from the list whose reset failed. Empty after a successful apply.',
      },
    },
  },
};

type Setting = SmtpAuthOverride;

/** The setting a word in `out_of_sync` / `stray_mailboxes` names; undefined for "not found" and the like. */
function settingOf(text: CtyValue | undefined): Setting | undefined {
  if (text === ENABLED) return false;
  if (text === DISABLED) return true;
  if (text === INHERIT) return null;
  return undefined;
}

function listSetting(object: ObjectValue): Setting {
  return (readBool(object, 'smtp_client_authentication_disabled') ?? null) as Setting;
}

/** A known map attribute's entries; {} for null or unknown. */
function entries(value: CtyValue | undefined): Record<string, CtyValue> {
  return value && typeof value === 'object' && !Array.isArray(value) && isKnown(value)
    ? (value as Record<string, CtyValue>)
    : {};
}

/** The identities of a list (a map's keys; for a large decoded map, the list kept while decoding it). */
function identitiesOf(value: CtyValue | undefined): readonly string[] {
  return mapKeys(entries(value));
}

/** Resolves every identity (in bulk beyond a few). */
function resolveAll(
  client: ExchangeClient,
  exchange: ExchangeSession,
  identities: readonly string[],
): Promise<Map<string, Resolution>> {
  return client.mailboxes.resolveMany(exchange, identities);
}

function unresolvedWord(resolution: Resolution): string {
  return resolution.kind === 'ambiguous' ? AMBIGUOUS : NOT_FOUND;
}

function identityWarning(identity: string, problem: string): Diagnostic {
  return {
    severity: 'warning',
    summary:
      problem === AMBIGUOUS
        ? `Mailbox identity "${identity}" names several mailboxes`
        : `Mailbox "${identity}" not found`,
    detail:
      (problem === AMBIGUOUS
        ? 'Use a unique identity for it: the user principal name, primary SMTP address or GUID. '
        : 'Fix the spelling or remove it from the list. ') +
      'Applying will fail for it; the other mailboxes are still applied.',
    path: ['identities'],
  };
}

/** Whether an identity resolved to a mailbox when `word` (its `out_of_sync` entry; undefined: in line) was recorded. */
function wasFound(word: CtyValue | undefined): boolean {
  return word === undefined || word === DELETED || settingOf(word) !== undefined;
}

/**
 * One warning for listed mailboxes deleted outside Terraform (one diagnostic each for a few, one for many: a tenant's
 * leavers can be hundreds).
 */
function deletedWarnings(identities: readonly string[]): Diagnostic[] {
  const fix = (it: string): string =>
    `Remove ${it} from \`identities\` ` +
    '(or from the file `provider::exchangeonline::mailbox_list(file(...))` reads). ' +
    `Until then ${it} is gone from this list's state but for \`"deleted"\` in \`out_of_sync\`, ` +
    `nothing is set for ${it} ` +
    `and applying fails for ${it} (the other mailboxes are still applied); \`terraform destroy\` is not affected.`;
  if (identities.length <= 10) {
    return identities.map((identity) => ({
      severity: 'warning' as const,
      summary: `Mailbox "${identity}" was deleted outside Terraform`,
      detail: `No mailbox has this identity any more (deleted, or renamed without keeping it as an address). ${fix('it')}`,
      path: ['identities'],
    }));
  }
  const shown = identities
    .slice(0, 50)
    .map((identity) => `"${identity}"`)
    .join(', ');
  const more = identities.length > 50 ? `, and ${identities.length - 50} more,` : '';
  return [
    {
      severity: 'warning',
      summary: `${identities.length} listed mailboxes were deleted outside Terraform`,
      detail: `No mailbox has any of ${shown}${more} as an identity any more (deleted, or renamed). ${fix('them')}`,
      path: ['identities'],
    },
  ];
}

/** Applying a list that still names a deleted mailbox: nothing is sent for it. */
function deletedError(identity: string): Diagnostic {
  return errorDiagnostic(
    `Mailbox "${identity}" no longer exists`,
    'It was deleted outside Terraform, so nothing was set for it (the other mailboxes were applied). ' +
      'Remove it from `identities`.',
    ['identities'],
  );
}

function failureDiagnostic(label: string, value: Setting, error: ExchangeError): Diagnostic {
  return errorDiagnostic(
    `Could not set SMTP AUTH for ${label}`,
    `Set-CASMailbox -SmtpClientAuthenticationDisabled ${value === null ? '$null' : `$${value}`} failed: ${error.message}\n\n${error.remedy}\n` +
      'The state records what was applied; run apply again to finish.',
  );
}

/** A mailbox returned to inherit: by GUID, with the setting it carried (kept as a stray if the reset fails). */
interface Reset {
  mailbox: CasMailbox;
  carried: Setting;
}

/**
 * Mailboxes to return to inherit among `candidates` (identities or addresses): those that resolve to one mailbox
 * still carrying `carried(candidate)`, and that no identity in `keep` names (a removed alias of a mailbox that is
 * still listed under its address stays as it is).
 */
async function resetsFor(
  client: ExchangeClient,
  exchange: ExchangeSession,
  candidates: ReadonlyMap<string, Setting>,
  keep: ReadonlySet<string>,
): Promise<Reset[]> {
  const resets = new Map<string, Reset>();
  for (const [candidate, resolution] of await resolveAll(client, exchange, [...candidates.keys()])) {
    if (resolution.kind !== 'one') continue; // gone, or no longer one mailbox: nothing of ours to undo
    const carried = candidates.get(candidate)!;
    const mailbox = resolution.mailbox;
    if (carried === null || mailbox.smtpClientAuthenticationDisabled !== carried) continue; // changed since: theirs
    if ([...identityForms(mailbox)].some((form) => keep.has(form))) continue;
    resets.set(mailbox.guid, { mailbox, carried });
  }
  return [...resets.values()];
}

/** The GUIDs the resolved identities name (every match of an ambiguous one: none of them is a stray). */
function memberGuids(resolved: ReadonlyMap<string, Resolution>): Set<string> {
  const members = new Set<string>();
  for (const resolution of resolved.values()) {
    if (resolution.kind === 'one') members.add(resolution.mailbox.guid);
    if (resolution.kind === 'ambiguous') for (const match of resolution.matches) members.add(match.guid);
  }
  return members;
}

/** Mailboxes outside the list (by GUID) carrying `value`: what `exclusive` returns to inherit. */
async function strays(
  client: ExchangeClient,
  exchange: ExchangeSession,
  members: ReadonlySet<string>,
  value: Setting,
): Promise<CasMailbox[]> {
  if (value === null) return [];
  return (await client.mailboxes.all(exchange)).filter(
    (m) => !members.has(m.guid) && m.smtpClientAuthenticationDisabled === value,
  );
}

/** `stray_mailboxes` as reset candidates: address → the setting it carried. */
function pendingResets(strayMailboxes: CtyValue | undefined): Map<string, Setting> {
  const pending = new Map<string, Setting>();
  for (const [address, carried] of Object.entries(entries(strayMailboxes))) {
    const setting = settingOf(carried);
    if (setting !== undefined) pending.set(address, setting);
  }
  return pending;
}

function strayMap(mailboxes: Iterable<{ mailbox: CasMailbox; carried: Setting }>): ObjectValue {
  const map: ObjectValue = {};
  for (const { mailbox, carried } of mailboxes) map[mailbox.primarySmtpAddress] = settingWord(carried);
  return map;
}

interface Converged {
  state: ObjectValue;
  diagnostics: Diagnostic[];
}

/**
 * Brings the tenant to the planned list and returns the state that matches what was really applied.
 *
 * Members are written by the identity the configuration gives (Exchange resolves it, and fails cleanly for a
 * missing or ambiguous one), so no read is needed: a member is written unless the refreshed prior state shows it
 * in line already. Returning removed members to inherit resolves only those.
 */
async function converge(
  context: OperationContext<ExchangeClient>,
  id: string,
  planned: ObjectValue,
  prior: ObjectValue | null,
): Promise<Converged> {
  const client = context.client;
  const exchange = exchangeSession(context);
  const wanted = listSetting(planned);
  const identities = identitiesOf(planned.identities);
  const listed = new Set(identities);
  const keep = new Set(identities.map((identity) => identity.toLowerCase()));
  const before = prior ? listSetting(prior) : null;
  const priorListed = new Set(prior ? identitiesOf(prior.identities) : []);
  const priorOutOfSync = entries(prior?.out_of_sync);

  const writes: Array<SmtpAuthChange & { label: string }> = [];
  const diagnostics: Diagnostic[] = [];
  const outOfSync: ObjectValue = {};
  for (const identity of identities) {
    if (priorListed.has(identity) && priorOutOfSync[identity] === DELETED) {
      diagnostics.push(deletedError(identity));
      outOfSync[identity] = DELETED;
      continue;
    }
    const inLine = priorListed.has(identity) && before === wanted && !(identity in priorOutOfSync);
    if (!inLine) writes.push({ identity, value: wanted, label: identity });
  }

  // Back to inherit: removed members still carrying the old setting, unfinished resets, and with `exclusive`
  // every other mailbox carrying the new setting.
  const candidates = pendingResets(prior?.stray_mailboxes);
  if (before !== null) for (const identity of priorListed) if (!listed.has(identity)) candidates.set(identity, before);
  const resets = new Map<string, Reset>();
  for (const reset of await resetsFor(client, exchange, candidates, keep)) resets.set(reset.mailbox.guid, reset);
  if (planned.exclusive === true) {
    const members = memberGuids(await resolveAll(client, exchange, identities));
    for (const mailbox of await strays(client, exchange, members, wanted))
      resets.set(mailbox.guid, { mailbox, carried: wanted });
  }

  // Resets first: should a reset and a write still reach the same mailbox, the listed setting wins.
  const resetList = [...resets.values()];
  const resetResults = await client.mailboxes.setSmtpAuth(
    exchange,
    resetList.map((r) => ({ identity: r.mailbox.guid, value: null })),
  );
  const writeResults = await client.mailboxes.setSmtpAuth(exchange, writes);

  writeResults.forEach((error, index) => {
    if (!error) return;
    const { identity, label } = writes[index];
    diagnostics.push(failureDiagnostic(label, wanted, error));
    // The mailbox keeps what it had: known from the refreshed prior state, else only what the error says.
    const known =
      identity in priorOutOfSync
        ? priorOutOfSync[identity]
        : priorListed.has(identity)
          ? settingWord(before)
          : undefined;
    outOfSync[identity] = error.kind === 'not-found' ? NOT_FOUND : (known ?? UNKNOWN);
  });
  const failedResets = resetList.filter((reset, index) => {
    const error = resetResults[index];
    if (error) diagnostics.push(failureDiagnostic(reset.mailbox.primarySmtpAddress, null, error));
    return Boolean(error);
  });
  const applied: SmtpAuthChange[] = [
    ...resetList
      .filter((_, index) => !resetResults[index])
      .map((reset) => ({ identity: reset.mailbox.guid, value: null })),
    ...writes.filter((_, index) => !writeResults[index]).map((write) => ({ identity: write.identity, value: wanted })),
  ];
  await confirmSmtpAuthWrites(exchange, applied);
  return {
    state: {
      id,
      identities: planned.identities,
      smtp_client_authentication_disabled: wanted,
      exclusive: planned.exclusive === true,
      out_of_sync: outOfSync,
      stray_mailboxes: strayMap(failedResets),
    },
    diagnostics,
  };
}

/** With per-item failures, the honest partial state goes back to Terraform together with the errors. */
function finish(converged: Converged): ObjectValue {
  if (converged.diagnostics.length) throw new PartialResultError(converged.state, converged.diagnostics);
  return converged.state;
}

const IMPORT_ID_HELP =
  'Import a list with `enabled` or `disabled` (every mailbox that has that setting now), or with `<setting>:<mailbox>,<mailbox>,...` ' +
  '(setting `enabled`, `disabled` or `inherit`), e.g. `enabled:scanner@contoso.com,sean@contoso.com`, to adopt exactly those mailboxes.';

/** The import ID's setting and, for the named form, its mailboxes (trimmed, each once). */
function parseImportId(id: string): { setting: Setting; names?: string[] } {
  const colon = id.indexOf(':');
  const word = (colon < 0 ? id : id.slice(0, colon)).trim().toLowerCase();
  const settings: Record<string, Setting> = { [ENABLED]: false, [DISABLED]: true, [INHERIT]: null };
  if (!(word in settings) || (colon < 0 && word === INHERIT)) {
    throw new DiagnosticError(
      errorDiagnostic(
        'Invalid import ID',
        `${JSON.stringify(id.slice(0, 80))} is not a list import ID. ${IMPORT_ID_HELP}`,
      ),
    );
  }
  if (colon < 0) return { setting: settings[word] };
  const names = id
    .slice(colon + 1)
    .split(',')
    .map((name) => name.trim());
  const problems: string[] = [];
  const seen = new Set<string>();
  names.forEach((name, index) => {
    const problem = identityProblem(name);
    if (problem) problems.push(`mailbox ${index + 1} ${JSON.stringify(name.slice(0, 80))} ${problem}`);
    else if (seen.has(name.toLowerCase())) problems.push(`mailbox ${index + 1} "${name}" is named twice`);
    seen.add(name.toLowerCase());
  });
  if (problems.length)
    throw new DiagnosticError(errorDiagnostic('Invalid import ID', `${problems.join('; ')}. ${IMPORT_ID_HELP}`));
  return { setting: settings[word], names };
}

export const mailboxSmtpAuthListResource: ResourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_mailbox_smtp_auth_list',
  schema: mailboxSmtpAuthListSchema,
  defaults: { exclusive: false },
  stableComputed: ['id'],

  upgradeState(version, raw) {
    if (version !== 0) return raw;
    // Version 0 kept `identities` as a set and every member's GUID and setting in `mailboxes`.
    const setting = (
      typeof raw.smtp_client_authentication_disabled === 'boolean' ? raw.smtp_client_authentication_disabled : null
    ) as Setting;
    const listOf = (value: CtyValue | undefined): string[] =>
      Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    const { mailboxes: _dropped, ...rest } = raw;
    return {
      ...rest,
      identities: Object.fromEntries(listOf(raw.identities).map((identity) => [identity, ''])),
      out_of_sync: {}, // the refresh that follows every upgrade fills it in
      stray_mailboxes: Object.fromEntries(
        listOf(raw.stray_mailboxes).map((address) => [address, settingWord(setting)]),
      ),
    };
  },

  prefetchRead({ client, state, lifetime }) {
    // read() resolves every member; `exclusive` reads every mailbox anyway.
    return client.mailboxes.prefetch(
      state.exclusive === true ? Infinity : identitiesOf(state.identities).length,
      lifetime,
    );
  },

  validate(config) {
    const diagnostics: Diagnostic[] = [];
    const listed = entries(config.identities);
    // Map keys are distinct, so two identities naming one mailbox differ in case: one of them has a capital letter.
    // Only those are compared (most lists are all lower case).
    const capitalized = new Map<string, string>();
    for (const identity of mapKeys(listed)) {
      const problem = identityProblem(identity);
      if (problem)
        diagnostics.push(
          errorDiagnostic(
            'Invalid mailbox identity in `identities`',
            `${JSON.stringify(identity.slice(0, 80))} ${problem}.`,
            ['identities'],
          ),
        );
      const key = identity.toLowerCase();
      if (key === identity) continue;
      const other = capitalized.get(key) ?? (Object.hasOwn(listed, key) ? key : undefined);
      if (other !== undefined) {
        diagnostics.push(
          errorDiagnostic(
            'Mailbox listed twice',
            `"${other}" and "${identity}" name the same mailbox (identities are not case-sensitive). Keep one.`,
            ['identities'],
          ),
        );
      } else capitalized.set(key, identity);
    }
    if (config.exclusive === true && config.smtp_client_authentication_disabled === null) {
      diagnostics.push(
        errorDiagnostic(
          '`exclusive` needs a setting',
          '`exclusive = true` returns every other mailbox with the same setting to inherit, which means nothing when the list itself inherits. Set `smtp_client_authentication_disabled`.',
          ['exclusive'],
        ),
      );
    }
    return diagnostics;
  },

  /**
   * Plans reach no further than the refreshed state: after the apply nothing is out of sync and no stray is
   * left. Identities the refresh could not resolve, and new ones when that is cheap, are warned about here.
   */
  async modifyPlan({ prior, planned, client, signal, warn }) {
    // A create that fails for some members must not error (Terraform taints a created object that returns errors,
    // and replacing a tainted list returns every member to inherit before setting it again): it records the failures
    // in out_of_sync and warns, so on create the two maps are only known after apply.
    planned.out_of_sync = prior ? {} : new Unknown();
    planned.stray_mailboxes = prior ? {} : new Unknown();
    if (!isKnown(planned.identities) || planned.identities === null) return;
    const identities = identitiesOf(planned.identities);
    if (client && isKnown(planned.smtp_client_authentication_disabled)) {
      const owner = `list:${typeof planned.id === 'string' && isKnown(planned.id) ? planned.id : [...identities].sort().join('\n')}`;
      notePlannedMailboxValue(
        client,
        identities,
        listSetting(planned),
        owner,
        `an exchangeonline_mailbox_smtp_auth_list (which lists it)`,
        warn,
      );
    }
    // Lookups in the decoded maps themselves: no 60,000-entry Set is built for a list that did not change.
    const listed = entries(planned.identities);
    const priorListed = entries(prior?.identities);
    const deleted: string[] = [];
    for (const [identity, found] of Object.entries(entries(prior?.out_of_sync))) {
      if (!Object.hasOwn(listed, identity) || !Object.hasOwn(priorListed, identity)) continue;
      if (found === DELETED) deleted.push(identity);
      if (found === NOT_FOUND || found === AMBIGUOUS) {
        const diagnostic = identityWarning(identity, found);
        warn(diagnostic.summary, diagnostic.detail, diagnostic.path);
      }
    }
    for (const diagnostic of deletedWarnings(deleted)) warn(diagnostic.summary, diagnostic.detail, diagnostic.path);
    // New identities: checked when the tenant is already read (free) or few are new (a lookup each). A large
    // new list is checked by the apply, which reports every mailbox that fails.
    // The same map as before (a large one decoded from the same bytes is one shared value) adds nothing.
    const added =
      listed === priorListed
        ? []
        : identities.filter((identity) => !Object.hasOwn(priorListed, identity) && !identityProblem(identity));
    if (!client || added.length === 0 || (!client.mailboxes.loaded && added.length > PLAN_CHECK_LIMIT)) return;
    const exchange = exchangeSession({ client, signal, warn });
    for (const [identity, resolution] of await resolveAll(client, exchange, added)) {
      if (resolution.kind === 'one') continue;
      const diagnostic = identityWarning(identity, unresolvedWord(resolution));
      warn(diagnostic.summary, diagnostic.detail, diagnostic.path);
    }
  },

  async create(context) {
    const converged = await converge(context, randomUUID(), context.planned, null);
    // No error diagnostics here (see modifyPlan): the failures are in out_of_sync, which the next plan shows leaving.
    for (const diagnostic of converged.diagnostics) {
      context.warn(
        diagnostic.summary,
        `${diagnostic.detail ?? ''}\n\nThis list was created without them (an error would make Terraform replace the whole list). Run \`terraform apply\` again to finish.`,
      );
    }
    if (converged.diagnostics.length > 0) {
      context.warn(
        `${converged.diagnostics.length} mailbox change(s) of this list failed`,
        'They are recorded in `out_of_sync` / `stray_mailboxes`; the next `terraform plan` shows them and `terraform apply` finishes the job without touching the mailboxes already set.',
      );
    }
    return converged.state;
  },

  async read(context) {
    const exchange = exchangeSession(context);
    const state = context.state;
    const client = context.client;
    const identities = identitiesOf(state.identities);
    const value = listSetting(state);
    const resolved = await resolveAll(client, exchange, identities);
    const outOfSync: ObjectValue = {};
    const before = entries(state.out_of_sync);
    for (const [identity, resolution] of resolved) {
      if (resolution.kind === 'none' && wasFound(before[identity])) outOfSync[identity] = DELETED;
      else if (resolution.kind !== 'one') outOfSync[identity] = unresolvedWord(resolution);
      else if (resolution.mailbox.smtpClientAuthenticationDisabled !== value)
        outOfSync[identity] = settingWord(resolution.mailbox.smtpClientAuthenticationDisabled);
    }
    // With `exclusive`, every other mailbox carrying the setting; otherwise the unfinished resets of an earlier
    // apply, still pending while the mailbox carries what it carried.
    const pending = pendingResets(state.stray_mailboxes);
    const stray =
      state.exclusive === true
        ? strayMap(
            (await strays(client, exchange, memberGuids(resolved), value)).map((mailbox) => ({
              mailbox,
              carried: value,
            })),
          )
        : pending.size === 0
          ? {}
          : strayMap(
              await resetsFor(client, exchange, pending, new Set(identities.map((identity) => identity.toLowerCase()))),
            );
    return { ...state, out_of_sync: outOfSync, stray_mailboxes: stray };
  },

  async update(context) {
    return finish(await converge(context, String(context.prior.id), context.planned, context.prior));
  },

  async delete(context) {
    const prior = context.prior;
    const value = listSetting(prior);
    const candidates = pendingResets(prior.stray_mailboxes);
    if (value !== null) for (const identity of identitiesOf(prior.identities)) candidates.set(identity, value);
    if (candidates.size === 0) return; // its members already inherit
    const exchange = exchangeSession(context);
    // Only mailboxes still carrying this list's setting: a value someone changed since is theirs, not ours.
    const resets = await resetsFor(context.client, exchange, candidates, new Set());
    const results = await context.client.mailboxes.setSmtpAuth(
      exchange,
      resets.map((r) => ({ identity: r.mailbox.guid, value: null })),
    );
    const failed: Reset[] = [];
    const diagnostics: Diagnostic[] = [];
    results.forEach((error, index) => {
      if (!error) return;
      failed.push(resets[index]);
      diagnostics.push(failureDiagnostic(resets[index].mailbox.primarySmtpAddress, null, error));
    });
    await confirmSmtpAuthWrites(
      exchange,
      resets.filter((_, index) => !results[index]).map((reset) => ({ identity: reset.mailbox.guid, value: null })),
    );
    // What is left to undo stays in state, as strays, so the next destroy finishes it.
    if (failed.length)
      throw new PartialResultError(
        { ...prior, identities: {}, out_of_sync: {}, stray_mailboxes: strayMap(failed) },
        diagnostics,
      );
  },

  /**
   * `enabled` / `disabled`: every mailbox with that setting now. `<setting>:<identity>,<identity>,...` (setting
   * `enabled`, `disabled` or `inherit`): exactly those mailboxes, under the names given, so `-generate-config-out`
   * writes the tenant's current exceptions as a list to review and keep. A name that finds no mailbox, or several,
   * refuses the import; a mailbox whose setting differs is adopted and shows in the plan as the change it needs.
   */
  async importState(context) {
    const { setting, names } = parseImportId(context.id);
    const exchange = exchangeSession(context);
    let identities: string[];
    if (names === undefined) {
      identities = (await context.client.mailboxes.all(exchange))
        .filter((m) => m.smtpClientAuthenticationDisabled === setting)
        .map((m) => m.primarySmtpAddress);
    } else {
      identities = names;
      const resolved = await resolveAll(context.client, exchange, names);
      const unresolved = names.filter((name) => resolved.get(name)!.kind !== 'one');
      if (unresolved.length) {
        throw new DiagnosticError(
          errorDiagnostic(
            'Import ID names mailboxes that cannot be adopted',
            unresolved
              .map(
                (name) =>
                  `"${name}": ${unresolvedWord(resolved.get(name)!) === AMBIGUOUS ? 'names several mailboxes; use its primary SMTP address or GUID' : 'no such mailbox'}`,
              )
              .join('\n') + '\nFix the names in the import ID (or leave them out); nothing was imported.',
          ),
        );
      }
      const differing = names.filter((name) => {
        const resolution = resolved.get(name)!;
        return resolution.kind === 'one' && resolution.mailbox.smtpClientAuthenticationDisabled !== setting;
      });
      if (differing.length) {
        context.warn(
          `${differing.length} adopted ${differing.length === 1 ? 'mailbox does' : 'mailboxes do'} not have the setting "${settingWord(setting)}" now`,
          `${differing.slice(0, 10).join(', ')}${differing.length > 10 ? ', …' : ''}: the plan shows them in out_of_sync, and applying sets them. Leave them out of the import ID to adopt only what is in place.`,
        );
      }
    }
    return {
      id: randomUUID(),
      identities: Object.fromEntries(identities.map((identity) => [identity, ''])),
      smtp_client_authentication_disabled: setting,
      exclusive: false,
      out_of_sync: {},
      stray_mailboxes: {},
    };
  },
};
