/**
 * SmtpAuthBaseline — the seeds' recommended SMTP AUTH posture for one tenant, in one construct:
 *
 *   - SMTP AUTH off for the organization (exchangeonline_transport_config);
 *   - the named exceptions allowed (exchangeonline_mailbox_smtp_auth_list with `smtp_client_authentication_disabled
 *     = false`), and by default nobody else: `exclusive` returns every other mailbox with SMTP AUTH explicitly
 *     enabled to the organization setting;
 *   - legacy TLS clients kept out unless asked for;
 *   - optionally, an authentication policy that still allows Basic auth for the listed protocols, assigned to the
 *     exceptions (or to whom you say), and optionally made the organization default.
 */
import { Annotations, type TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { AuthenticationPolicy, type AuthenticationPolicyConfig } from '../generated/authentication-policy/index';
import { AuthenticationPolicyAssignment } from '../generated/authentication-policy-assignment/index';
import { DefaultAuthenticationPolicy } from '../generated/default-authentication-policy/index';
import { MailboxSmtpAuthList } from '../generated/mailbox-smtp-auth-list/index';
import { TransportConfig } from '../generated/transport-config/index';
import { ConstructValidationError } from './errors';
import { MailboxList, MailboxListError } from './mailbox-list';

/** A protocol an authentication policy can allow Basic authentication for (`AllowBasicAuth<Protocol>`). */
export type BasicAuthProtocol =
  | 'active-sync'
  | 'autodiscover'
  | 'imap'
  | 'mapi'
  | 'offline-address-book'
  | 'outlook-service'
  | 'pop'
  | 'powershell'
  | 'reporting-web-services'
  | 'rpc'
  | 'smtp'
  | 'web-services';

/** Every BasicAuthProtocol, with the config property of the generated AuthenticationPolicy it sets. */
export const BASIC_AUTH_PROTOCOLS: Readonly<Record<BasicAuthProtocol, keyof AuthenticationPolicyConfig>> =
  Object.freeze({
    'active-sync': 'allowBasicAuthActiveSync',
    autodiscover: 'allowBasicAuthAutodiscover',
    imap: 'allowBasicAuthImap',
    mapi: 'allowBasicAuthMapi',
    'offline-address-book': 'allowBasicAuthOfflineAddressBook',
    'outlook-service': 'allowBasicAuthOutlookService',
    pop: 'allowBasicAuthPop',
    powershell: 'allowBasicAuthPowershell',
    'reporting-web-services': 'allowBasicAuthReportingWebServices',
    rpc: 'allowBasicAuthRpc',
    smtp: 'allowBasicAuthSmtp',
    'web-services': 'allowBasicAuthWebServices',
  });

export interface BaselineAuthenticationPolicy {
  /** The policy name, at most 64 characters. Exchange cannot rename a policy: changing it replaces the policy. */
  readonly name: string;
  /**
   * Protocols that may still use Basic authentication under this policy; every other protocol is blocked.
   * @default ['smtp']
   */
  readonly allowBasicAuth?: readonly BasicAuthProtocol[];
  /**
   * Users who get this policy (one exchangeonline_authentication_policy_assignment each).
   * @default the baseline's allowedMailboxes
   */
  readonly assignTo?: MailboxList | readonly string[];
  /**
   * Revoke an assigned user's refresh tokens whenever the assignment changes, so it applies in about 30 minutes
   * instead of up to 24 hours (the user signs in again everywhere).
   * @default false
   */
  readonly revokeRefreshTokens?: boolean;
  /**
   * Also make this policy the organization default, for every user without a policy of their own.
   * @default false
   */
  readonly organizationDefault?: boolean;
}

export interface SmtpAuthBaselineProps {
  /**
   * Turn SMTP AUTH off for the whole organization (`Set-TransportConfig -SmtpClientAuthenticationDisabled $true`).
   * `false` turns it on for everyone, which the seeds advise against; exceptions then make no sense.
   * @default true
   */
  readonly disableSmtpAuthOrgWide?: boolean;
  /**
   * Mailboxes that may still use SMTP AUTH (their own setting `false`): devices and apps that cannot do OAuth yet.
   * A MailboxList (e.g. `MailboxList.fromFile('allow-smtp-auth.txt')`) or addresses.
   * @default no mailbox
   */
  readonly allowedMailboxes?: MailboxList | readonly string[];
  /**
   * Enforce the allow list: every mailbox NOT in it that has SMTP AUTH explicitly enabled is returned to the
   * organization setting (off). With `false`, mailboxes enabled by hand elsewhere are left alone.
   * @default true
   */
  readonly exclusive?: boolean;
  /**
   * Let clients that only speak TLS 1.0/1.1 submit through the legacy endpoint (`-AllowLegacyTLSClients`). Only for
   * old devices that cannot be upgraded; not available in GCC, GCC High and DoD.
   * @default false
   */
  readonly allowLegacyTlsClients?: boolean;
  /**
   * When the baseline is destroyed, put back the transport settings the tenant had before it was managed.
   * @default false (destroy leaves the tenant as it is)
   */
  readonly restoreOnDestroy?: boolean;
  /**
   * An authentication policy that allows Basic authentication only for the listed protocols, and whom it applies to.
   * @default no policy
   */
  readonly authenticationPolicy?: BaselineAuthenticationPolicy;
  /**
   * The exchangeonline provider (tenant) to use.
   * @default the stack's default exchangeonline provider
   */
  readonly provider?: TerraformProvider;
}

/** Turns a list-or-array prop into a MailboxList, rethrowing list errors with the construct path and the prop name. */
function mailboxListOf(
  scope: Construct,
  prop: string,
  value: MailboxList | readonly string[] | undefined,
): MailboxList {
  if (value === undefined) return MailboxList.fromArray([], prop);
  if (MailboxList.isMailboxList(value)) return value;
  if (!Array.isArray(value)) {
    throw new ConstructValidationError(
      scope.node.path,
      `${prop} must be a MailboxList or an array of addresses, got ${typeof value}.`,
      `Pass MailboxList.fromFile(path) or ['a@contoso.com', ...].`,
    );
  }
  try {
    return MailboxList.fromArray(value, prop);
  } catch (error) {
    if (error instanceof MailboxListError) {
      throw new ConstructValidationError(
        scope.node.path,
        `${prop} has entries that are not mailboxes:\n${error.problems.map((p) => `  ${prop}[${p.line - 1}] ${JSON.stringify(p.entry)} ${p.problem}`).join('\n')}`,
        `Give each mailbox as its address (user principal name or primary SMTP address) or GUID.`,
      );
    }
    throw error;
  }
}

export class SmtpAuthBaseline extends Construct {
  /** The tenant's transport config: org-wide SMTP AUTH and legacy TLS. */
  readonly transportConfig: TransportConfig;
  /** The allow list; undefined when there are no exceptions and `exclusive` is false (nothing to manage). */
  readonly allowList?: MailboxSmtpAuthList;
  /** The mailboxes allowed to use SMTP AUTH, de-duplicated. */
  readonly allowedMailboxes: MailboxList;
  readonly authenticationPolicy?: AuthenticationPolicy;
  /** One per assigned user, in list order. */
  readonly policyAssignments: readonly AuthenticationPolicyAssignment[];
  readonly defaultAuthenticationPolicy?: DefaultAuthenticationPolicy;

  constructor(scope: Construct, id: string, props: SmtpAuthBaselineProps = {}) {
    super(scope, id);
    const path = this.node.path;
    const orgOff = props.disableSmtpAuthOrgWide ?? true;
    const exclusive = props.exclusive ?? true;
    this.allowedMailboxes = mailboxListOf(this, 'allowedMailboxes', props.allowedMailboxes);
    for (const line of this.allowedMailboxes.describeDuplicates()) {
      Annotations.of(this).addWarning(`${line}: listed twice; the mailbox is allowed once.`);
    }

    if (!orgOff && this.allowedMailboxes.size > 0) {
      throw new ConstructValidationError(
        path,
        `allowedMailboxes lists ${this.allowedMailboxes.size} mailbox(es), but disableSmtpAuthOrgWide is false: SMTP AUTH is on for everyone, so an allow list changes nothing.`,
        'Leave disableSmtpAuthOrgWide at its default (true) to allow only these mailboxes, or remove allowedMailboxes.',
      );
    }
    if (!orgOff && props.exclusive === true) {
      throw new ConstructValidationError(
        path,
        'exclusive is true, but disableSmtpAuthOrgWide is false: with SMTP AUTH on for everyone there is no allow list to enforce.',
        'Remove exclusive, or leave disableSmtpAuthOrgWide at its default (true).',
      );
    }

    const provider = props.provider;
    // An empty exclusive list still means something: "nobody may have SMTP AUTH enabled on their own".
    if (orgOff && (this.allowedMailboxes.size > 0 || exclusive)) {
      this.allowList = new MailboxSmtpAuthList(this, 'allow-list', {
        provider,
        identities: this.allowedMailboxes.toIdentities(),
        smtpClientAuthenticationDisabled: false,
        exclusive,
      });
    }
    this.transportConfig = new TransportConfig(this, 'transport-config', {
      provider,
      smtpClientAuthenticationDisabled: orgOff,
      allowLegacyTlsClients: props.allowLegacyTlsClients ?? false,
      restoreOnDestroy: props.restoreOnDestroy ?? false,
      // Exceptions first, then the organization switch: a device on the allow list never loses SMTP AUTH in between.
      dependsOn: this.allowList ? [this.allowList] : undefined,
    });

    const assignments: AuthenticationPolicyAssignment[] = [];
    const policy = props.authenticationPolicy;
    if (policy) {
      const name = typeof policy.name === 'string' ? policy.name.trim() : '';
      if (name === '' || name.length > 64 || name !== policy.name) {
        throw new ConstructValidationError(
          path,
          `authenticationPolicy.name ${JSON.stringify(policy.name)} ${name === '' ? 'is empty' : name !== policy.name ? 'has leading or trailing white space' : `is ${name.length} characters long`}.`,
          'Give the policy a name of 1 to 64 characters, e.g. "Allow Basic SMTP".',
        );
      }
      const protocols = policy.allowBasicAuth ?? ['smtp'];
      const unknown = protocols.filter((protocol) => !(protocol in BASIC_AUTH_PROTOCOLS));
      if (unknown.length) {
        throw new ConstructValidationError(
          path,
          `authenticationPolicy.allowBasicAuth has unknown protocol(s) ${unknown.map((p) => JSON.stringify(p)).join(', ')}.`,
          `Use only ${Object.keys(BASIC_AUTH_PROTOCOLS)
            .map((p) => `'${p}'`)
            .join(', ')}.`,
        );
      }
      const switches: Record<string, boolean> = {};
      for (const [protocol, property] of Object.entries(BASIC_AUTH_PROTOCOLS))
        switches[property] = protocols.includes(protocol as BasicAuthProtocol);
      this.authenticationPolicy = new AuthenticationPolicy(this, 'authentication-policy', {
        provider,
        name,
        ...switches,
      });

      const assignTo =
        policy.assignTo === undefined
          ? this.allowedMailboxes
          : mailboxListOf(this, 'authenticationPolicy.assignTo', policy.assignTo);
      if (policy.assignTo !== undefined && assignTo !== this.allowedMailboxes) {
        for (const line of assignTo.describeDuplicates())
          Annotations.of(this).addWarning(`${line}: listed twice; the policy is assigned once.`);
      }
      for (const user of assignTo) {
        assignments.push(
          new AuthenticationPolicyAssignment(this, `assignment-${user.toLowerCase()}`, {
            provider,
            user,
            authenticationPolicy: this.authenticationPolicy.name,
            revokeRefreshTokens: policy.revokeRefreshTokens ?? false,
          }),
        );
      }
      if (policy.organizationDefault) {
        this.defaultAuthenticationPolicy = new DefaultAuthenticationPolicy(this, 'default-authentication-policy', {
          provider,
          authenticationPolicy: this.authenticationPolicy.name,
        });
      }
      if (assignments.length === 0 && !policy.organizationDefault) {
        Annotations.of(this).addWarning(
          `authenticationPolicy "${name}" is assigned to nobody (no allowedMailboxes, no assignTo) and is not the organization default, so it has no effect.`,
        );
      }
    }
    this.policyAssignments = Object.freeze(assignments);
  }
}
