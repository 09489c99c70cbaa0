/**
 * data "exchangeonline_smtp_auth_readiness" — who breaks when Microsoft disables Basic SMTP AUTH by default at the
 * end of December 2026: per mailbox its own setting, effective SMTP AUTH, effective Basic SMTP (which also weighs
 * the authentication policy that applies: the user's, else the organization default), which setting decided, and
 * the verdict; plus the tenant's counts. The same rules as `exoform report` (src/exchange/readiness.ts).
 *
 * Cost: page reads only, whatever the number of mailboxes: the mailbox directory's bulk read, `Get-User
 * -ResultSize Unlimited`, `Get-AuthenticationPolicy`, `Get-OrganizationConfig` and `Get-TransportConfig`.
 *
 * What the provider cannot read: Microsoft Graph (Entra sign-ins, security defaults). Usage evidence is therefore
 * "not read" and security defaults "not read"; a mailbox whose Basic SMTP is allowed is `at-risk`, never `ready`
 * for lack of evidence (a missing signal is never "no usage"). `exoform report` reads Graph where permitted.
 */
import { errorDiagnostic, type Diagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import { listAuthenticationPolicies } from '../../exchange/authentication-policy';
import { settingWord } from '../../exchange/cas-mailbox';
import { readDefaultAuthenticationPolicy } from '../../exchange/organization-config';
import { VERDICTS, applicablePolicy, evaluateMailboxReadiness, tenantVerdict, type Verdict } from '../../exchange/readiness';
import { listUsers, type DirectoryUser } from '../../exchange/user';
import { exchangeSession, type ExchangeClient } from '../provider';
import type { DataSourceDefinition } from '../framework/resource';
import { isKnown, readString } from '../framework/values';

/** What the provider says for signals only Microsoft Graph has (see `exoform report`). */
export const NOT_READ = 'not read';

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
  },
] as const;

const SUMMARY_TYPE = [
  'object',
  { mailboxes: 'number', effective_smtp_auth: 'number', effective_basic_smtp: 'number', breaks: 'number', at_risk: 'number', ready: 'number' },
] as const;

export const smtpAuthReadinessSchema: Schema = {
  version: 0,
  block: {
    description:
      'Readiness for the end of December 2026, when Microsoft disables Basic SMTP AUTH by default: for every mailbox its own SMTP AUTH setting, ' +
      'effective SMTP AUTH, effective Basic SMTP (also weighing the authentication policy that applies: the user\'s, else the organization default), ' +
      'which setting decided, and a verdict (`breaks`, `at-risk`, `ready`); plus the tenant\'s counts. Read in pages, never a call per mailbox. ' +
      'The provider does not read Microsoft Graph, so `usage_evidence` and `security_defaults` are `"not read"` and a mailbox that may still use Basic SMTP is `at-risk`; ' +
      '`exoform report` adds Entra sign-ins and security defaults where the app may read them.',
    attributes: {
      id: { type: 'string', computed: true, description: "The tenant (the provider's `organization`)." },
      verdict: {
        type: 'string',
        optional: true,
        description:
          'Only mailboxes with this verdict in `mailboxes` and `primary_smtp_addresses`: `breaks`, `at-risk` or `ready`. The `summary` always counts every mailbox. ' +
          'On a large tenant set it (usually `at-risk`): Terraform\'s own handling of a list of tens of thousands of objects costs more than reading them.',
      },
      organization_smtp_client_authentication_disabled: {
        type: 'bool',
        computed: true,
        description: "The organization's `SmtpClientAuthenticationDisabled` (Get-TransportConfig), which mailboxes with `inherit` follow.",
      },
      default_authentication_policy: {
        type: 'string',
        computed: true,
        description: 'The organization default authentication policy (Get-OrganizationConfig), which applies to users without their own; null when there is none.',
      },
      security_defaults: {
        type: 'string',
        computed: true,
        description: 'Whether Entra security defaults (which block Basic authentication) are on: always `"not read"` here (Microsoft Graph); each mailbox\'s verdict says so in its `reason`.',
      },
      usage_evidence: {
        type: 'string',
        computed: true,
        description: 'Where evidence of Basic SMTP use comes from: always `"not read"` here (Entra sign-ins are Microsoft Graph). Without evidence a mailbox that may use Basic SMTP is `at-risk`, never `ready`.',
      },
      tenant_verdict: {
        type: 'string',
        computed: true,
        description: "The tenant's verdict: its worst mailbox's (`breaks` > `at-risk` > `ready`).",
      },
      summary: {
        type: SUMMARY_TYPE,
        computed: true,
        description: 'Counts over every mailbox: `mailboxes`, `effective_smtp_auth`, `effective_basic_smtp`, `breaks`, `at_risk`, `ready`.',
      },
      mailboxes: {
        type: ['list', MAILBOX_TYPE],
        computed: true,
        description:
          'The mailboxes (filtered by `verdict` when set), sorted by primary SMTP address: `guid`, `primary_smtp_address`, `user_principal_name`, ' +
          '`smtp_auth_setting` (`enabled`, `disabled` or `inherit`), `authentication_policy` (the policy that applies, null for none), `effective_smtp_auth`, ' +
          '`effective_basic_smtp`, `decided_by` (`mailbox`, `organization`, `user-policy`, `org-default-policy` or `security-defaults`), `verdict` and `reason` (one sentence).',
      },
      primary_smtp_addresses: { type: ['list', 'string'], computed: true, description: 'The primary SMTP addresses of `mailboxes`, for short assertions.' },
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
      diagnostics.push(errorDiagnostic('Invalid verdict', `Use one of ${VERDICTS.map((v) => `"${v}"`).join(', ')}; got ${JSON.stringify(verdict)}.`, ['verdict']));
    }
    return diagnostics;
  },

  async read(context) {
    const exchange = exchangeSession(context);
    const directory = context.client.mailboxes;
    const [mailboxes, orgDisabled, users, policies, orgDefault] = await Promise.all([
      directory.all(exchange),
      directory.orgSmtpAuthDisabled(exchange),
      listUsers(exchange),
      listAuthenticationPolicies(exchange),
      readDefaultAuthenticationPolicy(exchange),
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

    const rows = mailboxes.map((mailbox) => {
      // Get-CASMailbox rows carry no user principal name: the primary address is the fallback key.
      const user = usersByKey.get(mailbox.guid) ?? usersByKey.get(mailbox.primarySmtpAddress.toLowerCase());
      const policy = applicablePolicy(user?.authenticationPolicy ?? null, orgDefault, policyIndex);
      const readiness = evaluateMailboxReadiness({
        mailboxSetting: settingWord(mailbox.smtpClientAuthenticationDisabled),
        orgSmtpAuthDisabled: orgDisabled,
        policy,
        securityDefaults: 'unknown',
        usage: { kind: 'none-available', reason: 'usage evidence is not read by the Terraform provider; run exoform report' },
      });
      return {
        guid: mailbox.guid,
        primary_smtp_address: mailbox.primarySmtpAddress,
        user_principal_name: user?.userPrincipalName ?? mailbox.primarySmtpAddress,
        smtp_auth_setting: settingWord(mailbox.smtpClientAuthenticationDisabled),
        authentication_policy: policy?.name ?? null,
        effective_smtp_auth: readiness.effectiveSmtpAuth,
        effective_basic_smtp: readiness.effectiveBasicSmtp,
        decided_by: readiness.decidedBy,
        verdict: readiness.verdict,
        reason: readiness.uncertain && readiness.effectiveBasicSmtp ? `${readiness.reason} Entra security defaults were not read: if they are on, Basic SMTP is already blocked.` : readiness.reason,
      };
    });
    rows.sort((a, b) => a.primary_smtp_address.localeCompare(b.primary_smtp_address));

    const count = (test: (row: (typeof rows)[number]) => boolean): number => rows.filter(test).length;
    const wanted = readString(context.config, 'verdict') as Verdict | undefined;
    const listed = wanted === undefined ? rows : rows.filter((row) => row.verdict === wanted);
    return {
      id: context.client.organization,
      verdict: wanted ?? null,
      organization_smtp_client_authentication_disabled: orgDisabled,
      default_authentication_policy: orgDefault === null ? null : (applicablePolicy(null, orgDefault, policyIndex)?.name ?? orgDefault),
      security_defaults: NOT_READ,
      usage_evidence: NOT_READ,
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
