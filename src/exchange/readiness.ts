/**
 * Readiness for Microsoft's end-of-December-2026 change to Basic SMTP AUTH: pure functions, no I/O.
 *
 * Shared by `exoform report` (src/report) and the provider's readiness data source, so both say the same thing
 * about the same mailbox. Callers read the settings and the usage evidence; this module only decides.
 *
 * The rules (docs/report.md repeats them for readers):
 *
 * 1. Effective SMTP AUTH = the mailbox's own SmtpClientAuthenticationDisabled when set (enabled / disabled), else the
 *    organization's (Get-TransportConfig). Source: Microsoft Learn, "Enable or disable SMTP AUTH in Exchange Online"
 *    ("the mailbox setting takes precedence over the organization setting").
 * 2. Effective Basic SMTP = effective SMTP AUTH
 *      AND the authentication policy that applies allows Basic SMTP (`AllowBasicAuthSmtp`): the user's own policy,
 *          else the organization's default (Get-OrganizationConfig DefaultAuthenticationPolicy); with no policy at all
 *          nothing in Exchange blocks Basic auth (Learn, "Disable Basic authentication in Exchange Online": policies
 *          are what block it; a new policy blocks every protocol until a switch is set)
 *      AND Microsoft Entra security defaults are not enabled (Learn, "Security defaults in Microsoft Entra ID":
 *          security defaults block legacy authentication, which includes Basic SMTP AUTH).
 *    OAuth SMTP AUTH is not affected by the policy or security defaults; this module only speaks of Basic.
 * 3. Verdict for the change (Exchange Team blog, "Updated Exchange Online SMTP AUTH Basic Authentication Deprecation
 *    Timeline", 2026-01-27: unchanged through December 2026; at the end of December 2026 Basic SMTP AUTH is disabled
 *    by default for existing tenants, administrators can still enable it; final removal announced in H2 2027):
 *      - `ready`:   Basic SMTP is not effectively allowed (nothing changes for it), or it is allowed and the sign-in
 *                   log (or the usage report) shows no use in the window.
 *      - `breaks`:  Basic SMTP is allowed and Entra sign-ins show a successful Basic SMTP sign-in (clientAppUsed
 *                   'Authenticated SMTP') in the window. Nothing exoform can read keeps it working after the switch:
 *                   how an administrator re-enables Basic SMTP after December 2026 is not yet documented (unknown),
 *                   so no setting read here counts as an exception.
 *      - `at-risk`: Basic SMTP is allowed and there is no evidence either way (no readable sign-ins or report), or
 *                   the usage report shows SMTP use without saying whether it was Basic or OAuth.
 *    A missing permission or licence is "no evidence available", never "no usage".
 */
import type { SettingWord } from './cas-mailbox-operations';

export type SecurityDefaultsState = 'enabled' | 'disabled' | 'unknown';

/** The authentication policy that applies to the mailbox's user; null when neither the user nor the org has one. */
export interface ApplicablePolicy {
  name: string;
  allowBasicAuthSmtp: boolean;
  /** Whether the policy is the user's own or the organization's default (defaults to 'user'). */
  appliesAs?: 'user' | 'org-default';
}

/** What the tenant's logs say about this mailbox's Basic SMTP use in the evidence window (30 days). */
export type UsageEvidence =
  /** Entra sign-ins (clientAppUsed 'Authenticated SMTP') were readable: counts for this user, 0 when none. */
  | { kind: 'signins'; successfulSignIns: number; failedSignIns: number; lastUsed?: string }
  /** Only the email-app usage report was readable: whether the user's SMTP app column shows activity. */
  | { kind: 'usage-report'; smtpUsed: boolean; lastUsed?: string }
  /** Nothing was readable (permission, licence, concealed names...): `reason` says why. */
  | { kind: 'none-available'; reason: string; lastUsed?: undefined };

export interface ReadinessInput {
  mailboxSetting: SettingWord;
  orgSmtpAuthDisabled: boolean;
  policy: ApplicablePolicy | null;
  securityDefaults: SecurityDefaultsState;
  usage: UsageEvidence;
}

export type Verdict = 'breaks' | 'at-risk' | 'ready';
export const VERDICTS: readonly Verdict[] = ['breaks', 'at-risk', 'ready'];

/** Which setting decided effective Basic SMTP (for a mailbox whose SMTP AUTH is off: which setting turned it off). */
export type DecidedBy = 'mailbox' | 'organization' | 'user-policy' | 'org-default-policy' | 'security-defaults';

export interface Readiness {
  effectiveSmtpAuth: boolean;
  effectiveBasicSmtp: boolean;
  decidedBy: DecidedBy;
  verdict: Verdict;
  /** One sentence a person can act on: why this verdict. */
  reason: string;
  /** True when effectiveBasicSmtp rests on an unknown (security defaults unreadable). */
  uncertain: boolean;
}

export function evaluateMailboxReadiness(input: ReadinessInput): Readiness {
  const smtpSetBy: DecidedBy = input.mailboxSetting === 'inherit' ? 'organization' : 'mailbox';
  const effectiveSmtpAuth =
    input.mailboxSetting === 'inherit' ? !input.orgSmtpAuthDisabled : input.mailboxSetting === 'enabled';
  const uncertain = input.securityDefaults === 'unknown';

  let decidedBy: DecidedBy = smtpSetBy;
  let blockedBy: string | undefined;
  if (!effectiveSmtpAuth) {
    blockedBy =
      smtpSetBy === 'mailbox' ? 'SMTP AUTH is disabled on the mailbox' : 'SMTP AUTH is disabled for the organization';
  } else if (input.securityDefaults === 'enabled') {
    decidedBy = 'security-defaults';
    blockedBy = 'Entra security defaults block legacy (Basic) authentication';
  } else if (input.policy && !input.policy.allowBasicAuthSmtp) {
    decidedBy = input.policy.appliesAs === 'org-default' ? 'org-default-policy' : 'user-policy';
    blockedBy = `authentication policy '${input.policy.name}' does not allow Basic SMTP`;
  }
  const effectiveBasicSmtp = blockedBy === undefined;
  const base = { effectiveSmtpAuth, effectiveBasicSmtp, decidedBy, uncertain };

  if (!effectiveBasicSmtp) {
    const tried =
      input.usage.kind === 'signins' && input.usage.failedSignIns > 0
        ? ` (${input.usage.failedSignIns} failed Basic SMTP sign-in(s) seen: a device still tries)`
        : '';
    return { ...base, verdict: 'ready', reason: `Basic SMTP is already blocked: ${blockedBy}${tried}.` };
  }
  const usage = input.usage;
  switch (usage.kind) {
    case 'signins':
      return usage.successfulSignIns > 0
        ? {
            ...base,
            verdict: 'breaks',
            reason: `${usage.successfulSignIns} Basic SMTP sign-in(s) in the window, last ${usage.lastUsed ?? 'unknown'}; Basic SMTP is disabled by default at the end of December 2026.`,
          }
        : {
            ...base,
            verdict: 'ready',
            reason: 'Basic SMTP is allowed but the sign-in log shows no Basic SMTP use in the window.',
          };
    case 'usage-report':
      return usage.smtpUsed
        ? {
            ...base,
            verdict: 'at-risk',
            reason: `The usage report shows SMTP use${usage.lastUsed ? ` (last ${usage.lastUsed})` : ''}; it does not say whether Basic or OAuth.`,
          }
        : {
            ...base,
            verdict: 'ready',
            reason: 'Basic SMTP is allowed but the usage report shows no SMTP use in the window.',
          };
    case 'none-available':
      return {
        ...base,
        verdict: 'at-risk',
        reason: `Basic SMTP is allowed and no usage evidence is available (${usage.reason}).`,
      };
  }
}

/** The tenant's verdict: its worst mailbox's (breaks > at-risk > ready); ready for a tenant without mailboxes. */
export function tenantVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'ready';
  for (const verdict of verdicts) {
    if (verdict === 'breaks') return 'breaks';
    if (verdict === 'at-risk') worst = 'at-risk';
  }
  return worst;
}

/**
 * The policy that applies to a user: their own (matched by name or distinguished name), else the org default,
 * else null. `policies` maps every lower-cased name, distinguished name and GUID to the policy's switch.
 */
export function applicablePolicy(
  userPolicy: string | null,
  orgDefault: string | null,
  policies: ReadonlyMap<string, { name: string; allowBasicAuthSmtp: boolean }>,
): ApplicablePolicy | null {
  for (const [reference, appliesAs] of [
    [userPolicy, 'user'],
    [orgDefault, 'org-default'],
  ] as const) {
    if (!reference) continue;
    const found = policies.get(reference.toLowerCase()) ?? policies.get(policyNameFromDn(reference).toLowerCase());
    if (found) return { name: found.name, allowBasicAuthSmtp: found.allowBasicAuthSmtp, appliesAs };
  }
  return null;
}

/** `CN=Name,CN=Auth Policies,...` → `Name` (Exchange may report a policy by its distinguished name). */
function policyNameFromDn(reference: string): string {
  const match = /^CN=((?:\\.|[^,])*),/i.exec(reference);
  return match ? match[1].replace(/\\(.)/g, '$1') : reference;
}
