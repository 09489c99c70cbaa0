/**
 * SmtpAuthBaseline, synthesized in-process: the asserted Terraform JSON is what `cdktf synth` writes for the stack.
 */
import { Testing, TerraformStack } from 'cdktf';
import {
  ConstructValidationError,
  MailboxList,
  SmtpAuthBaseline,
  provider,
  type SmtpAuthBaselineProps,
} from '../../constructs';

interface Synthesized {
  provider?: Record<string, Array<Record<string, unknown>>>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
}

function build(
  props?: SmtpAuthBaselineProps,
  withAlias = false,
): { stack: TerraformStack; baseline: SmtpAuthBaseline; json: Synthesized } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'tenant');
  new provider.ExchangeonlineProvider(stack, 'exchangeonline');
  const aliased = withAlias
    ? new provider.ExchangeonlineProvider(stack, 'fabrikam', {
        alias: 'fabrikam',
        organization: 'fabrikam.onmicrosoft.com',
      })
    : undefined;
  const baseline = new SmtpAuthBaseline(stack, 'baseline', { ...props, provider: props?.provider ?? aliased });
  return { stack, baseline, json: JSON.parse(Testing.synth(stack)) as Synthesized };
}

/** The resources of one type, without cdktf's metadata, keyed by their construct id. */
function resources(json: Synthesized, type: string): Array<Record<string, unknown>> {
  return Object.values(json.resource?.[type] ?? {}).map(({ ['//']: _metadata, ...rest }) => rest);
}

function validationError(run: () => unknown): ConstructValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConstructValidationError) return error;
    throw error;
  }
  throw new Error('expected a ConstructValidationError');
}

const warnings = (baseline: SmtpAuthBaseline): string[] =>
  baseline.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));

describe('SmtpAuthBaseline', () => {
  test('defaults: SMTP AUTH off org-wide, legacy TLS off, an exclusive (empty) allow list applied before the org switch', () => {
    const { json, baseline } = build();
    expect(resources(json, 'exchangeonline_transport_config')).toEqual([
      {
        smtp_client_authentication_disabled: true,
        allow_legacy_tls_clients: false,
        restore_on_destroy: false,
        depends_on: [`exchangeonline_mailbox_smtp_auth_list.${baseline.allowList!.friendlyUniqueId}`],
      },
    ]);
    expect(resources(json, 'exchangeonline_mailbox_smtp_auth_list')).toEqual([
      { identities: {}, smtp_client_authentication_disabled: false, exclusive: true },
    ]);
    expect(json.resource?.exchangeonline_authentication_policy).toBeUndefined();
    expect(warnings(baseline)).toEqual([]);
  });

  test('named exceptions from an array or a MailboxList become one list resource, de-duplicated, with a warning per duplicate', () => {
    const fromArray = build({ allowedMailboxes: ['scanner@contoso.com', 'Sean@contoso.com', 'SCANNER@contoso.com'] });
    expect(resources(fromArray.json, 'exchangeonline_mailbox_smtp_auth_list')).toEqual([
      {
        identities: { 'scanner@contoso.com': '', 'Sean@contoso.com': '' },
        smtp_client_authentication_disabled: false,
        exclusive: true,
      },
    ]);
    expect(fromArray.baseline.allowedMailboxes.mailboxes).toEqual(['scanner@contoso.com', 'Sean@contoso.com']);
    expect(warnings(fromArray.baseline)).toEqual([
      'allowedMailboxes: entry 3 "SCANNER@contoso.com" repeats entry 1 "scanner@contoso.com": listed twice; the mailbox is allowed once.',
    ]);

    const fromList = build({
      allowedMailboxes: MailboxList.fromText('a@contoso.com\nb@contoso.com', 'allow.txt'),
      exclusive: false,
    });
    expect(resources(fromList.json, 'exchangeonline_mailbox_smtp_auth_list')).toEqual([
      {
        identities: { 'a@contoso.com': '', 'b@contoso.com': '' },
        smtp_client_authentication_disabled: false,
        exclusive: false,
      },
    ]);
  });

  test('no exceptions and exclusive false: nothing to manage per mailbox, so no list resource', () => {
    const { json, baseline } = build({ exclusive: false });
    expect(json.resource?.exchangeonline_mailbox_smtp_auth_list).toBeUndefined();
    expect(baseline.allowList).toBeUndefined();
    expect(resources(json, 'exchangeonline_transport_config')[0]).not.toHaveProperty('depends_on');
  });

  test('legacy TLS opt-in and restore on destroy', () => {
    const { json } = build({
      allowLegacyTlsClients: true,
      restoreOnDestroy: true,
      allowedMailboxes: ['scanner@contoso.com'],
    });
    expect(resources(json, 'exchangeonline_transport_config')[0]).toMatchObject({
      allow_legacy_tls_clients: true,
      restore_on_destroy: true,
      smtp_client_authentication_disabled: true,
    });
  });

  test('an authentication policy allows only the listed protocols and is assigned to each allowed mailbox by default', () => {
    const { json, baseline } = build({
      allowedMailboxes: ['scanner@contoso.com', 'sean@contoso.com'],
      authenticationPolicy: {
        name: 'Allow Basic SMTP and POP',
        allowBasicAuth: ['smtp', 'pop'],
        revokeRefreshTokens: true,
      },
    });
    const [policy] = resources(json, 'exchangeonline_authentication_policy');
    expect(policy).toMatchObject({
      name: 'Allow Basic SMTP and POP',
      allow_basic_auth_smtp: true,
      allow_basic_auth_pop: true,
    });
    const switches = Object.entries(policy).filter(([key]) => key.startsWith('allow_basic_auth_'));
    expect(switches).toHaveLength(12);
    expect(
      switches
        .filter(([, value]) => value === true)
        .map(([key]) => key)
        .sort(),
    ).toEqual(['allow_basic_auth_pop', 'allow_basic_auth_smtp']);
    const policyName = `\${exchangeonline_authentication_policy.${baseline.authenticationPolicy!.friendlyUniqueId}.name}`;
    expect(resources(json, 'exchangeonline_authentication_policy_assignment')).toEqual([
      { user: 'scanner@contoso.com', authentication_policy: policyName, revoke_refresh_tokens: true },
      { user: 'sean@contoso.com', authentication_policy: policyName, revoke_refresh_tokens: true },
    ]);
    expect(json.resource?.exchangeonline_default_authentication_policy).toBeUndefined();
  });

  test('assignTo and organizationDefault', () => {
    const { json, baseline } = build({
      authenticationPolicy: {
        name: 'Block Basic Auth',
        allowBasicAuth: [],
        assignTo: ['jdoe@contoso.com'],
        organizationDefault: true,
      },
    });
    expect(resources(json, 'exchangeonline_authentication_policy_assignment')).toEqual([
      expect.objectContaining({ user: 'jdoe@contoso.com', revoke_refresh_tokens: false }),
    ]);
    expect(resources(json, 'exchangeonline_default_authentication_policy')).toEqual([
      {
        authentication_policy: `\${exchangeonline_authentication_policy.${baseline.authenticationPolicy!.friendlyUniqueId}.name}`,
      },
    ]);
  });

  test('a policy that applies to nobody is a warning', () => {
    const { baseline } = build({ authenticationPolicy: { name: 'Unused' } });
    expect(warnings(baseline)).toEqual([expect.stringContaining('"Unused" is assigned to nobody')]);
  });

  test('every resource uses the provider given', () => {
    const { json } = build(
      { allowedMailboxes: ['a@contoso.com'], authenticationPolicy: { name: 'P', organizationDefault: true } },
      true,
    );
    for (const type of Object.keys(json.resource ?? {})) {
      for (const resource of resources(json, type))
        expect({ type, provider: resource.provider }).toEqual({ type, provider: 'exchangeonline.fabrikam' });
    }
  });

  describe('bad input: errors name the construct path and the fix', () => {
    test('allowed mailboxes while SMTP AUTH stays on org-wide', () => {
      const error = validationError(() =>
        build({ disableSmtpAuthOrgWide: false, allowedMailboxes: ['a@contoso.com'] }),
      );
      expect(error.constructPath).toBe('tenant/baseline');
      expect(error.message).toMatch(/^\[tenant\/baseline\] allowedMailboxes lists 1 mailbox/);
      expect(error.fix).toContain('Leave disableSmtpAuthOrgWide at its default (true)');
    });

    test('exclusive while SMTP AUTH stays on org-wide; without it, org on is allowed and manages no list', () => {
      expect(validationError(() => build({ disableSmtpAuthOrgWide: false, exclusive: true })).problem).toContain(
        'no allow list to enforce',
      );
      const { json } = build({ disableSmtpAuthOrgWide: false });
      expect(resources(json, 'exchangeonline_transport_config')[0]).toMatchObject({
        smtp_client_authentication_disabled: false,
      });
      expect(json.resource?.exchangeonline_mailbox_smtp_auth_list).toBeUndefined();
    });

    test('a malformed address in allowedMailboxes', () => {
      const error = validationError(() =>
        build({ allowedMailboxes: ['scanner@contoso.com', 'Sean Walker <sean@contoso.com>'] }),
      );
      expect(error.message).toContain('[tenant/baseline] allowedMailboxes has entries that are not mailboxes');
      expect(error.message).toContain('allowedMailboxes[1] "Sean Walker <sean@contoso.com>" looks like a display name');
    });

    test('policy name and protocols', () => {
      expect(validationError(() => build({ authenticationPolicy: { name: 'x'.repeat(65) } })).problem).toContain(
        'is 65 characters long',
      );
      expect(validationError(() => build({ authenticationPolicy: { name: ' padded ' } })).problem).toContain(
        'white space',
      );
      const error = validationError(() =>
        build({ authenticationPolicy: { name: 'P', allowBasicAuth: ['smtp', 'ftp' as never] } }),
      );
      expect(error.problem).toContain('unknown protocol(s) "ftp"');
      expect(error.fix).toContain("'smtp'");
    });
  });
});
