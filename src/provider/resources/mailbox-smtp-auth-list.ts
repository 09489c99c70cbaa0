/**
 * exchangeonline_mailbox_smtp_auth_list — one SMTP AUTH setting for a set of mailboxes: the seeds' allow list
 * ("Allow SMTP AUTH.txt", one mailbox a line), or a set to disable, or a set to return to the org setting.
 *
 * - A mailbox removed from `identities` returns to inherit.
 * - `exclusive = true` also returns to inherit every other mailbox carrying the same setting, so "org off, only
 *   these mailboxes may use SMTP AUTH" is enforced.
 * - The plan shows each mailbox that changes (`mailboxes`, `stray_mailboxes`).
 * - Writes are batched; when some fail, the state records exactly what was applied and each failure gets its
 *   own diagnostic, so the next apply finishes the job.
 */
import { randomUUID } from 'node:crypto';
import type { ExchangeError } from '../../bridge/errors';
import { errorDiagnostic, type Diagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import { identityProblem, type CasMailbox, type SmtpAuthOverride } from '../../exchange/cas-mailbox';
import type { SmtpAuthChange } from '../../exchange/mailbox-directory';
import type { ExchangeSession } from '../../exchange/session';
import { exchangeSession, type ExchangeClient } from '../provider';
import { DiagnosticError, PartialResultError, type OperationContext, type ResourceDefinition } from '../framework/resource';
import { Unknown, containsUnknown, isKnown, readBool, type CtyValue, type ObjectValue } from '../framework/values';
import { resolveMailbox } from './mailbox-smtp-auth';

const MEMBER_TYPE = ['object', { guid: 'string', primary_smtp_address: 'string', smtp_client_authentication_disabled: 'bool' }] as const;

export const mailboxSmtpAuthListSchema: Schema = {
  version: 0,
  block: {
    description:
      'One SMTP AUTH setting for a set of mailboxes, for example the mailboxes allowed to use SMTP AUTH while it is off for the organization. ' +
      'Mailboxes removed from the set return to the organization setting; with `exclusive = true`, so does every other mailbox with the same setting. ' +
      'Import with `enabled` or `disabled` to adopt every mailbox that has that setting now.',
    attributes: {
      id: { type: 'string', computed: true, description: 'A random identifier for this list.' },
      identities: {
        type: ['set', 'string'],
        required: true,
        description: 'The mailboxes, by user principal name, primary SMTP address, GUID or any other identity Exchange accepts. `compact(split("\\n", file("allow.txt")))` reads a file with one mailbox a line.',
      },
      smtp_client_authentication_disabled: {
        type: 'bool',
        optional: true,
        description: '`false` enables SMTP AUTH for every listed mailbox, `true` disables it, unset (null) returns them to the organization setting.',
      },
      exclusive: {
        type: 'bool',
        optional: true,
        computed: true,
        description: 'When `true`, every mailbox not in `identities` that carries the same setting is returned to the organization setting. Default `false`.',
      },
      mailboxes: {
        type: ['map', MEMBER_TYPE],
        computed: true,
        description: "Each listed identity's mailbox and its current setting. The plan shows the mailboxes whose setting changes.",
      },
      stray_mailboxes: {
        type: ['set', 'string'],
        computed: true,
        description:
          "Primary SMTP addresses of mailboxes outside `identities` that carry this list's setting and will be returned to inherit: with `exclusive`, every such mailbox; " +
          'otherwise mailboxes removed from the list whose reset has not been applied yet. Empty after a successful apply.',
      },
    },
  },
};


function identitiesOf(value: CtyValue): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function memberValue(mailbox: CasMailbox, value: SmtpAuthOverride = mailbox.smtpClientAuthenticationDisabled): ObjectValue {
  return { guid: mailbox.guid, primary_smtp_address: mailbox.primarySmtpAddress, smtp_client_authentication_disabled: value };
}

/** Resolves every identity; those that match no mailbox are listed separately. */
async function resolveAll(client: ExchangeClient, exchange: ExchangeSession, identities: string[]): Promise<{ found: Map<string, CasMailbox>; missing: string[] }> {
  const found = new Map<string, CasMailbox>();
  const missing: string[] = [];
  await client.mailboxes.prepareFor(exchange, identities.length);
  await Promise.all(
    identities.map(async (identity) => {
      const mailbox = await resolveMailbox(client, exchange, identity);
      if (mailbox) found.set(identity, mailbox);
      else missing.push(identity);
    }),
  );
  return { found, missing: missing.sort() };
}

/** Mailboxes outside the list (by GUID) carrying `value`. */
async function strayMailboxes(client: ExchangeClient, exchange: ExchangeSession, memberGuids: Set<string>, value: SmtpAuthOverride): Promise<CasMailbox[]> {
  if (value === null) return [];
  return (await client.mailboxes.all(exchange)).filter((m) => !memberGuids.has(m.guid) && m.smtpClientAuthenticationDisabled === value);
}

function missingDiagnostic(identity: string, severity: 'error' | 'warning'): Diagnostic {
  return {
    severity,
    summary: `Mailbox "${identity}" not found`,
    detail: severity === 'warning'
      ? 'It is in `identities` but matches no mailbox, so applying will fail for it (the other mailboxes are still applied). Fix the spelling or remove it from the list.'
      : 'No mailbox matches it. The other mailboxes were applied; fix the spelling or remove it from the list, then apply again.',
    path: ['identities'],
  };
}

function failureDiagnostic(label: string, change: SmtpAuthChange, error: ExchangeError): Diagnostic {
  return errorDiagnostic(
    `Could not set SMTP AUTH for ${label}`,
    `Set-CASMailbox -SmtpClientAuthenticationDisabled ${change.value === null ? '$null' : `$${change.value}`} failed: ${error.message}\n\n${error.remedy}\n` +
      'The state records what was applied; run apply again to finish.',
  );
}

interface Converged {
  state: ObjectValue;
  diagnostics: Diagnostic[];
}

interface Member {
  guid: string;
  primarySmtpAddress: string;
  /** The setting now, when known (from the refreshed prior state or a lookup); undefined means "set it anyway". */
  current: SmtpAuthOverride | undefined;
}

function memberEntry(value: CtyValue | undefined): ObjectValue | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) && isKnown(value) ? (value as ObjectValue) : undefined;
}

/**
 * The planned members. The plan already resolved each identity to a GUID (`planned.mailboxes`) and the refreshed
 * prior state holds each one's setting, so applying needs no second read of every mailbox in the tenant; only
 * identities the plan could not resolve are looked up again.
 */
async function plannedMembers(
  client: ExchangeClient,
  exchange: ExchangeSession,
  identities: string[],
  planned: CtyValue,
  prior: CtyValue | undefined,
): Promise<{ members: Map<string, Member>; missing: string[] }> {
  const members = new Map<string, Member>();
  const unresolved: string[] = [];
  const plannedMap = memberEntry(planned) ?? {};
  const priorMap = memberEntry(prior) ?? {};
  for (const identity of identities) {
    const entry = memberEntry(plannedMap[identity]);
    if (entry && typeof entry.guid === 'string' && typeof entry.primary_smtp_address === 'string') {
      const before = memberEntry(priorMap[identity]);
      const current = before && before.guid === entry.guid ? (before.smtp_client_authentication_disabled as SmtpAuthOverride) : undefined;
      members.set(identity, { guid: entry.guid, primarySmtpAddress: entry.primary_smtp_address, current });
    } else unresolved.push(identity);
  }
  const { found, missing } = await resolveAll(client, exchange, unresolved);
  for (const [identity, mailbox] of found) {
    members.set(identity, { guid: mailbox.guid, primarySmtpAddress: mailbox.primarySmtpAddress, current: mailbox.smtpClientAuthenticationDisabled });
  }
  return { members, missing };
}

/**
 * Brings the tenant to the planned list and returns the state that matches what was really applied.
 * `previous` is the prior state's list (for removals) and its unfinished resets.
 */
async function converge(
  context: OperationContext<ExchangeClient>,
  id: string,
  planned: ObjectValue,
  previous: { identities: string[]; value: SmtpAuthOverride; stray: string[]; mailboxes?: CtyValue },
): Promise<Converged> {
  const exchange = exchangeSession(context);
  const identities = identitiesOf(planned.identities);
  const wanted = (readBool(planned, 'smtp_client_authentication_disabled') ?? null) as SmtpAuthOverride;
  const exclusive = planned.exclusive === true;
  const { members, missing } = await plannedMembers(context.client, exchange, identities, planned.mailboxes, previous.mailboxes);
  const memberGuids = new Set([...members.values()].map((m) => m.guid));

  const changes: Array<{ change: SmtpAuthChange; label: string }> = [];
  for (const member of members.values()) {
    if (member.current !== wanted) changes.push({ change: { guid: member.guid, value: wanted }, label: member.primarySmtpAddress });
  }
  // Returned to inherit: removed members and unfinished resets that still carry the list's old setting, and
  // with `exclusive` every other mailbox carrying the new one.
  const resets = new Map<string, { guid: string; primarySmtpAddress: string }>();
  const priorMap = memberEntry(previous.mailboxes) ?? {};
  const removed = previous.identities.filter((identity) => !identities.includes(identity));
  const toCheck: string[] = [...previous.stray];
  for (const identity of removed) {
    const before = memberEntry(priorMap[identity]);
    if (before && typeof before.guid === 'string' && typeof before.primary_smtp_address === 'string') {
      if (!memberGuids.has(before.guid) && previous.value !== null && before.smtp_client_authentication_disabled === previous.value) {
        resets.set(before.guid, { guid: before.guid, primarySmtpAddress: before.primary_smtp_address });
      }
    } else toCheck.push(identity);
  }
  const { found: checked } = await resolveAll(context.client, exchange, toCheck);
  for (const mailbox of checked.values()) {
    if (!memberGuids.has(mailbox.guid) && previous.value !== null && mailbox.smtpClientAuthenticationDisabled === previous.value) resets.set(mailbox.guid, mailbox);
  }
  if (exclusive) for (const mailbox of await strayMailboxes(context.client, exchange, memberGuids, wanted)) resets.set(mailbox.guid, mailbox);
  for (const mailbox of resets.values()) changes.push({ change: { guid: mailbox.guid, value: null }, label: mailbox.primarySmtpAddress });

  const results = await context.client.mailboxes.setSmtpAuth(exchange, changes.map((c) => c.change));
  const failed = new Set<string>();
  const diagnostics: Diagnostic[] = missing.map((identity) => missingDiagnostic(identity, 'error'));
  results.forEach((error, index) => {
    if (!error) return;
    failed.add(changes[index].change.guid);
    diagnostics.push(failureDiagnostic(changes[index].label, changes[index].change, error));
  });

  const mailboxes: ObjectValue = {};
  for (const [identity, member] of members) {
    // A failed change leaves the mailbox as it was (unknown before: recorded as inherit, refreshed next plan).
    const value = failed.has(member.guid) ? (member.current ?? null) : wanted;
    mailboxes[identity] = { guid: member.guid, primary_smtp_address: member.primarySmtpAddress, smtp_client_authentication_disabled: value };
  }
  const stray = [...resets.values()].filter((m) => failed.has(m.guid)).map((m) => m.primarySmtpAddress).sort();
  return {
    state: { id, identities, smtp_client_authentication_disabled: wanted, exclusive, mailboxes, stray_mailboxes: stray },
    diagnostics,
  };
}

/** With per-item failures, the honest partial state goes back to Terraform together with the errors. */
function finish(converged: Converged): ObjectValue {
  if (converged.diagnostics.length) throw new PartialResultError(converged.state, converged.diagnostics);
  return converged.state;
}

export const mailboxSmtpAuthListResource: ResourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_mailbox_smtp_auth_list',
  schema: mailboxSmtpAuthListSchema,
  defaults: { exclusive: false },
  stableComputed: ['id'],

  validate(config) {
    const diagnostics: Diagnostic[] = [];
    const seen = new Map<string, string>();
    for (const identity of identitiesOf(config.identities)) {
      const problem = identityProblem(identity);
      if (problem) diagnostics.push(errorDiagnostic('Invalid mailbox identity in `identities`', `${JSON.stringify(identity.slice(0, 80))} ${problem}.`, ['identities']));
      const key = identity.toLowerCase();
      if (seen.has(key)) {
        diagnostics.push(errorDiagnostic('Mailbox listed twice', `"${seen.get(key)}" and "${identity}" name the same mailbox (identities are not case-sensitive). Keep one.`, ['identities']));
      } else seen.set(key, identity);
    }
    if (config.exclusive === true && config.smtp_client_authentication_disabled === null) {
      diagnostics.push(
        errorDiagnostic('`exclusive` needs a setting', '`exclusive = true` returns every other mailbox with the same setting to inherit, which means nothing when the list itself inherits. Set `smtp_client_authentication_disabled`.', ['exclusive']),
      );
    }
    return diagnostics;
  },

  async modifyPlan({ prior, planned, client, signal, warn }) {
    if (!planned.id || !isKnown(planned.id)) planned.id = prior?.id ?? new Unknown();
    if (!client || containsUnknown(planned.identities) || !isKnown(planned.smtp_client_authentication_disabled)) {
      planned.mailboxes = new Unknown();
      planned.stray_mailboxes = new Unknown();
      return;
    }
    const exchange = exchangeSession({ client, signal, warn });
    const wanted = planned.smtp_client_authentication_disabled as SmtpAuthOverride;
    const { found, missing } = await resolveAll(client, exchange, identitiesOf(planned.identities));
    for (const identity of missing) {
      const diagnostic = missingDiagnostic(identity, 'warning');
      warn(diagnostic.summary, diagnostic.detail, diagnostic.path);
    }
    const mailboxes: ObjectValue = {};
    for (const [identity, mailbox] of found) mailboxes[identity] = memberValue(mailbox, wanted);
    planned.mailboxes = mailboxes;
    planned.stray_mailboxes = [];
  },

  async create(context) {
    return finish(await converge(context, randomUUID(), context.planned, { identities: [], value: null, stray: [] }));
  },

  async read(context) {
    const exchange = exchangeSession(context);
    const state = context.state;
    const identities = identitiesOf(state.identities);
    const value = (readBool(state, 'smtp_client_authentication_disabled') ?? null) as SmtpAuthOverride;
    const { found } = await resolveAll(context.client, exchange, identities);
    const mailboxes: ObjectValue = {};
    for (const [identity, mailbox] of found) mailboxes[identity] = memberValue(mailbox);
    const memberGuids = new Set([...found.values()].map((m) => m.guid));
    let stray: string[];
    if (state.exclusive === true) {
      stray = (await strayMailboxes(context.client, exchange, memberGuids, value)).map((m) => m.primarySmtpAddress);
    } else {
      const pending = await resolveAll(context.client, exchange, identitiesOf(state.stray_mailboxes));
      stray = [...pending.found.values()].filter((m) => value !== null && m.smtpClientAuthenticationDisabled === value).map((m) => m.primarySmtpAddress);
    }
    return { ...state, mailboxes, stray_mailboxes: stray.sort() };
  },

  async update(context) {
    const prior = context.prior;
    return finish(
      await converge(context, String(prior.id), context.planned, {
        identities: identitiesOf(prior.identities),
        value: (readBool(prior, 'smtp_client_authentication_disabled') ?? null) as SmtpAuthOverride,
        stray: identitiesOf(prior.stray_mailboxes),
        mailboxes: prior.mailboxes,
      }),
    );
  },

  async delete(context) {
    const prior = context.prior;
    const value = (readBool(prior, 'smtp_client_authentication_disabled') ?? null) as SmtpAuthOverride;
    if (value === null) return; // its members already inherit
    const exchange = exchangeSession(context);
    const { found } = await resolveAll(context.client, exchange, [...identitiesOf(prior.identities), ...identitiesOf(prior.stray_mailboxes)]);
    // Only mailboxes still carrying this list's setting: a value someone changed since is theirs, not ours.
    const resets = [...new Map([...found.values()].filter((m) => m.smtpClientAuthenticationDisabled === value).map((m) => [m.guid, m])).values()];
    const results = await context.client.mailboxes.setSmtpAuth(exchange, resets.map((m) => ({ guid: m.guid, value: null })));
    const failures = results.flatMap((error, index) => (error ? [failureDiagnostic(resets[index].primarySmtpAddress, { guid: resets[index].guid, value: null }, error)] : []));
    if (failures.length) {
      const left = resets.filter((_, index) => results[index]).map((m) => m.primarySmtpAddress);
      throw new PartialResultError({ ...prior, identities: left, mailboxes: {}, stray_mailboxes: [] }, failures);
    }
  },

  async importState(context) {
    const word = context.id.trim().toLowerCase();
    if (word !== 'enabled' && word !== 'disabled') {
      throw new DiagnosticError(
        errorDiagnostic('Invalid import ID', 'Import a list with `enabled` (every mailbox whose SMTP AUTH is explicitly enabled) or `disabled` (explicitly disabled).'),
      );
    }
    const value = word === 'disabled';
    const exchange = exchangeSession(context);
    const members = (await context.client.mailboxes.all(exchange)).filter((m) => m.smtpClientAuthenticationDisabled === value);
    const mailboxes: ObjectValue = {};
    for (const mailbox of members) mailboxes[mailbox.primarySmtpAddress] = memberValue(mailbox);
    return {
      id: randomUUID(),
      identities: members.map((m) => m.primarySmtpAddress).sort(),
      smtp_client_authentication_disabled: value,
      exclusive: false,
      mailboxes,
      stray_mailboxes: [],
    };
  },
};
