/**
 * data "exchangeonline_smtp_auth_readiness" — who breaks when Microsoft disables Basic SMTP AUTH by default at the
 * end of December 2026: per mailbox its own setting, effective SMTP AUTH, effective Basic SMTP (which also weighs
 * the authentication policy that applies: the user's, else the organization default, and Entra security defaults),
 * which setting decided, the Basic SMTP sign-ins seen, and the verdict; plus the tenant's counts. The same rules and
 * the same Graph reads as `exoform report` (src/exchange/readiness.ts, src/graph/tenant-evidence.ts), so both give
 * the same verdicts for the same tenant.
 *
 * Cost: page reads only, whatever the number of mailboxes. Exchange: the mailbox directory's bulk read, `Get-User
 * -ResultSize Unlimited`, `Get-AuthenticationPolicy`, `Get-OrganizationConfig` and `Get-TransportConfig`. Microsoft
 * Graph, at the same time (unless `read_graph = false`): security defaults (1 call) and the Basic SMTP sign-ins of
 * 30 days (one page per 1000 sign-ins, time slices read in parallel); the usage report (1 call + download) only
 * when the sign-in log is unavailable. The Graph code is loaded when this data source reads, never at start-up.
 *
 * A Graph token comes from the provider's app credentials (asked for the Graph scope) or `graph_access_token`; with
 * only an Exchange `access_token` there is none, and security defaults and usage evidence are "not read", with the
 * setting to supply in `graph_detail`. A 403 (permission or licence) is "none-available": never "no usage".
 */
import { errorDiagnostic, type Diagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import { listAuthenticationPolicies } from '../../exchange/authentication-policy-operations';
import { settingWord } from '../../exchange/cas-mailbox-operations';
import { readDefaultAuthenticationPolicy } from '../../exchange/organization-config-operations';
import {
  VERDICTS,
  applicablePolicy,
  evaluateMailboxReadiness,
  tenantVerdict,
  type Verdict,
} from '../../exchange/readiness';
import { listUsers, type DirectoryUser } from '../../exchange/user-operations';
import type { ExchangeSession } from '../../exchange/session';
import { readTransportConfig } from '../../exchange/transport-config-operations';
import { describeUnknownProperty, scanRows, type UnknownProperty } from '../../exchange/watched-properties';
import { exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import type { DataSourceDefinition } from '../framework/resource';
import { isKnown, readBool, readString } from '../framework/values';
import type { TenantEvidence } from '../../graph/tenant-evidence';

/** What the data source says for a Microsoft Graph signal it did not read (no Graph token, or `read_graph = false`). */
export const NOT_READ = 'not read';

/** What the data source says to supply when it has no Graph token. */
const GRAPH_REMEDY =
  'set `graph_access_token` in the provider block (or EXO_GRAPH_ACCESS_TOKEN) to a token for https://graph.microsoft.com, or sign in with `client_id` and a client secret, certificate or federated token so the provider gets one from the same app';

const MAILBOX_TYPE = [
  'object',
  {
    guid: 'string',
    primary_smtp_address: 'string',
    user_principal_name: 'string',
    smtp_auth_setting: 'string',
    authentication_policy: 'string',
    effective_smtp_auth: 'bool',
    effective_basic_smtp: 'bool',
    decided_by: 'string',
    verdict: 'string',
    reason: 'string',
    basic_smtp_sign_ins: 'number',
    failed_basic_smtp_sign_ins: 'number',
    last_used: 'string',
  },
] as const;

const SUMMARY_TYPE = [
  'object',
  {
    mailboxes: 'number',
    effective_smtp_auth: 'number',
    effective_basic_smtp: 'number',
    breaks: 'number',
    at_risk: 'number',
    ready: 'number',
  },
] as const;

export const smtpAuthReadinessSchema: Schema = {
  version: 0,
  block: {
    description:
      'Readiness for the end of December 2026, when Microsoft disables Basic SMTP AUTH by default: for every mailbox its own SMTP AUTH setting, ' +
      "effective SMTP AUTH, effective Basic SMTP (also weighing the authentication policy that applies, the user's, else the organization default, " +
      'and Entra security defaults), which setting decided, its Basic SMTP sign-ins of the last 30 days, and a verdict (`breaks`, `at-risk`, `ready`); ' +
      "plus the tenant's counts. The same rules and reads as `exoform report`. Read in pages, never a call per mailbox. Security defaults and usage " +
      'evidence come from Microsoft Graph (Policy.Read.All, AuditLog.Read.All with Entra ID P1/P2, else Reports.Read.All); a missing permission or ' +
      'licence is "no evidence available" (`at-risk`), never "no usage". A property on the transport config, ' +
      'organization config or authentication policy rows whose name concerns SMTP, Basic or legacy authentication, ' +
      "or OAuth and that exoform does not model (perhaps Microsoft's December 2026 switch) is reported as a " +
      'warning naming it and where it was seen: the verdicts may not yet account for it.',
    attributes: {
      id: { type: 'string', computed: true, description: "The tenant (the provider's `organization`)." },
      verdict: {
        type: 'string',
        optional: true,
        description:
          'Only mailboxes with this verdict in `mailboxes` and `primary_smtp_addresses`: `breaks`, `at-risk` or `ready`. The `summary` always counts every mailbox. ' +
          "On a large tenant set it (usually `at-risk`): Terraform's own handling of a list of tens of thousands of objects costs more than reading them.",
      },
      organization_smtp_client_authentication_disabled: {
        type: 'bool',
        computed: true,
        description:
          "The organization's `SmtpClientAuthenticationDisabled` (Get-TransportConfig), which mailboxes with `inherit` follow.",
      },
      default_authentication_policy: {
        type: 'string',
        computed: true,
        description:
          'The organization default authentication policy (Get-OrganizationConfig), which applies to users without their own; null when there is none.',
      },
      read_graph: {
        type: 'bool',
        optional: true,
        description:
          'Read Microsoft Graph for Entra security defaults and Basic SMTP usage evidence (default `true`). It costs page reads: 1 call for security defaults ' +
          'and one per 1000 Basic SMTP sign-ins of the last 30 days, in parallel with the Exchange reads. Set `false` to read Exchange only: ' +
          '`security_defaults` and `usage_evidence` are then `"not read"` and no mailbox is `breaks`.',
      },
      security_defaults: {
        type: 'string',
        computed: true,
        description:
          'Whether Entra security defaults (which block Basic authentication for everyone) are on: `enabled`, `disabled`, or `"not read"` (unreadable, ' +
          "no Graph token, or `read_graph = false`; `graph_detail` says why). While not read, each affected mailbox's `reason` says Basic SMTP may already be blocked.",
      },
      usage_evidence: {
        type: 'string',
        computed: true,
        description:
          "What the verdicts' usage evidence comes from: `signins` (Entra sign-ins with clientAppUsed `Authenticated SMTP`), `usage-report` (the email-app usage " +
          'report: SMTP use, Basic or OAuth not said), `none-available` (Graph refused: a missing permission or licence; `graph_detail` says which), or ' +
          '`"not read"` (no Graph token, or `read_graph = false`). Without evidence a mailbox that may use Basic SMTP is `at-risk`, never `ready`.',
      },
      graph_detail: {
        type: 'string',
        computed: true,
        description:
          'Null when security defaults and sign-ins were read; otherwise what was not read and why, with the remedy (the permission, licence or provider setting to supply).',
      },
      tenant_verdict: {
        type: 'string',
        computed: true,
        description: "The tenant's verdict: its worst mailbox's (`breaks` > `at-risk` > `ready`).",
      },
      summary: {
        type: SUMMARY_TYPE,
        computed: true,
        description:
          'Counts over every mailbox: `mailboxes`, `effective_smtp_auth`, `effective_basic_smtp`, `breaks`, `at_risk`, `ready`.',
      },
      mailboxes: {
        type: ['list', MAILBOX_TYPE],
        computed: true,
        description:
          'The mailboxes (filtered by `verdict` when set), sorted by primary SMTP address: `guid`, `primary_smtp_address`, `user_principal_name`, ' +
          '`smtp_auth_setting` (`enabled`, `disabled` or `inherit`), `authentication_policy` (the policy that applies, null for none), `effective_smtp_auth`, ' +
          '`effective_basic_smtp`, `decided_by` (`mailbox`, `organization`, `user-policy`, `org-default-policy` or `security-defaults`), `verdict`, `reason` (one sentence), ' +
          '`basic_smtp_sign_ins` and `failed_basic_smtp_sign_ins` (successful and failed Basic SMTP sign-ins in the last 30 days; null unless `usage_evidence` is `signins`) ' +
          "and `last_used` (the newest sign-in, or the usage report's last activity when it shows SMTP use; else null).",
      },
      primary_smtp_addresses: {
        type: ['list', 'string'],
        computed: true,
        description: 'The primary SMTP addresses of `mailboxes`, for short assertions.',
      },
    },
  },
};

export const smtpAuthReadinessDataSource: DataSourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_smtp_auth_readiness',
  schema: smtpAuthReadinessSchema,

  validate(config) {
    const diagnostics: Diagnostic[] = [];
    const verdict = config.verdict;
    if (isKnown(verdict) && verdict !== null && !(VERDICTS as readonly string[]).includes(verdict as string)) {
      diagnostics.push(
        errorDiagnostic(
          'Invalid verdict',
          `Use one of ${VERDICTS.map((v) => `"${v}"`).join(', ')}; got ${JSON.stringify(verdict)}.`,
          ['verdict'],
        ),
      );
    }
    return diagnostics;
  },

  async read(context) {
    // The December 2026 watch: the whole rows of the transport config, org config and policies are looked at.
    const unknownProperties: UnknownProperty[] = [];
    const exchange: ExchangeSession = {
      ...exchangeSession(context),
      observe: (cmdlet, rows) => unknownProperties.push(...scanRows(cmdlet, rows)),
    };
    const directory = context.client.mailboxes;
    const readGraph = readBool(context.config, 'read_graph') !== false;
    const [mailboxes, orgDisabled, users, policies, orgDefault, graph] = await Promise.all([
      directory.all(exchange),
      // Read here, not from the directory's cache, so the watch sees this plan's row.
      readTransportConfig(exchange).then((transport) => transport.smtpClientAuthenticationDisabled),
      listUsers(exchange),
      listAuthenticationPolicies(exchange),
      readDefaultAuthenticationPolicy(exchange),
      readGraph ? readGraphEvidence(context.client, context.signal) : Promise.resolve(undefined),
    ]);

    // A policy is reported by name, distinguished name or GUID, depending on the serializer: index all three.
    const policyIndex = new Map<string, { name: string; allowBasicAuthSmtp: boolean }>();
    for (const policy of policies) {
      const entry = { name: policy.name, allowBasicAuthSmtp: policy.switches.AllowBasicAuthSmtp };
      for (const key of [policy.name, policy.distinguishedName, policy.guid]) policyIndex.set(key.toLowerCase(), entry);
    }
    // The user behind a mailbox: the same directory object (its GUID), else the same user principal name.
    const usersByKey = new Map<string, DirectoryUser>();
    for (const user of users) {
      usersByKey.set(user.guid, user);
      usersByKey.set(user.userPrincipalName.toLowerCase(), user);
    }

    const evidence = graph?.evidence;
    const securityDefaults = evidence ? graph.module.securityDefaultsState(evidence) : 'unknown';
    const rows = mailboxes.map((mailbox) => {
      // Get-CASMailbox rows carry no user principal name: the primary address is the fallback key.
      const user = usersByKey.get(mailbox.guid) ?? usersByKey.get(mailbox.primarySmtpAddress.toLowerCase());
      const upn = user?.userPrincipalName ?? mailbox.primarySmtpAddress;
      const policy = applicablePolicy(user?.authenticationPolicy ?? null, orgDefault, policyIndex);
      const { usage, out } = evidence
        ? graph.module.mailboxUsage(evidence, [upn, mailbox.primarySmtpAddress])
        : {
            usage: { kind: 'none-available' as const, reason: 'Microsoft Graph is not read: `read_graph = false`' },
            out: undefined,
          };
      const readiness = evaluateMailboxReadiness({
        mailboxSetting: settingWord(mailbox.smtpClientAuthenticationDisabled),
        orgSmtpAuthDisabled: orgDisabled,
        policy,
        securityDefaults,
        usage,
      });
      return {
        guid: mailbox.guid,
        primary_smtp_address: mailbox.primarySmtpAddress,
        user_principal_name: upn,
        smtp_auth_setting: settingWord(mailbox.smtpClientAuthenticationDisabled),
        authentication_policy: policy?.name ?? null,
        effective_smtp_auth: readiness.effectiveSmtpAuth,
        effective_basic_smtp: readiness.effectiveBasicSmtp,
        decided_by: readiness.decidedBy,
        verdict: readiness.verdict,
        reason:
          readiness.uncertain && readiness.effectiveBasicSmtp
            ? `${readiness.reason} Entra security defaults were not read: if they are on, Basic SMTP is already blocked.`
            : readiness.reason,
        basic_smtp_sign_ins: out?.successfulSignIns ?? null,
        failed_basic_smtp_sign_ins: out?.failedSignIns ?? null,
        last_used: out?.lastUsed ?? null,
      };
    });
    rows.sort((a, b) => a.primary_smtp_address.localeCompare(b.primary_smtp_address));

    for (const found of unknownProperties) {
      const detail = `${describeUnknownProperty(found)} See docs/guides/december-2026.md.`;
      context.warn(`Unmodelled property ${found.property} on ${found.cmdlet}`, detail);
    }

    const count = (test: (row: (typeof rows)[number]) => boolean): number => rows.filter(test).length;
    const wanted = readString(context.config, 'verdict') as Verdict | undefined;
    const listed = wanted === undefined ? rows : rows.filter((row) => row.verdict === wanted);
    return {
      id: context.client.organization,
      verdict: wanted ?? null,
      read_graph: readBool(context.config, 'read_graph') ?? null,
      organization_smtp_client_authentication_disabled: orgDisabled,
      default_authentication_policy:
        orgDefault === null ? null : (applicablePolicy(null, orgDefault, policyIndex)?.name ?? orgDefault),
      security_defaults: securityDefaults === 'unknown' ? NOT_READ : securityDefaults,
      usage_evidence: evidence && graph.client ? graph.module.evidenceSource(evidence) : NOT_READ,
      graph_detail: readGraph
        ? (graph?.detail ?? null)
        : 'Security defaults and usage evidence: not read (`read_graph = false`).',
      tenant_verdict: tenantVerdict(rows.map((row) => row.verdict)),
      summary: {
        mailboxes: rows.length,
        effective_smtp_auth: count((row) => row.effective_smtp_auth),
        effective_basic_smtp: count((row) => row.effective_basic_smtp),
        breaks: count((row) => row.verdict === 'breaks'),
        at_risk: count((row) => row.verdict === 'at-risk'),
        ready: count((row) => row.verdict === 'ready'),
      },
      mailboxes: listed,
      primary_smtp_addresses: listed.map((row) => row.primary_smtp_address),
    };
  },
};

type EvidenceModule = typeof import('../../graph/tenant-evidence');

/**
 * The tenant's Graph evidence, and in one sentence what was not read and why (null when security defaults and the
 * sign-in log were both read). With no Graph token, `client` is false and nothing is called. The Graph modules are
 * required here, on first use (literal paths, so the bundle resolves them), keeping them out of provider start-up.
 */
export async function readGraphEvidence(
  client: ExchangeClient,
  signal?: AbortSignal,
): Promise<{ module: EvidenceModule; evidence: TenantEvidence; client: boolean; detail: string | null }> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { createGraphClient } = require('../../graph/graph-auth') as typeof import('../../graph/graph-auth');
  const module = require('../../graph/tenant-evidence') as EvidenceModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  let graph: ReturnType<typeof createGraphClient>;
  try {
    graph = client.graph
      ? createGraphClient(client.graph, GRAPH_REMEDY, signal)
      : { available: false, reason: `no Graph settings were configured (${GRAPH_REMEDY})` };
  } catch (error) {
    graph = {
      available: false,
      reason: `${(error as Error).message} ${(error as { remedy?: string }).remedy ?? ''}`.trim(),
    };
  }
  const evidence = await module.readTenantEvidence(graph);
  const problems: string[] = [];
  if ('available' in graph) problems.push(`Security defaults and usage evidence: not read: ${graph.reason}.`);
  else {
    if (!evidence.securityDefaults.available)
      problems.push(`Security defaults: not read: ${evidence.securityDefaults.reason}.`);
    if (!evidence.signIns.available) {
      const report = evidence.usageReport;
      problems.push(
        `Sign-ins: no evidence available: ${evidence.signIns.reason}${report?.available ? '; the usage report (a weaker signal) was read instead' : report ? `; usage report: ${report.reason}` : ''}.`,
      );
    }
  }
  return { module, evidence, client: !('available' in graph), detail: problems.length > 0 ? problems.join(' ') : null };
}
