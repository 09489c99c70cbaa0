/**
 * constructs/generated/ can never drift from the provider: the schema comes from the packaged provider through
 * `terraform providers schema -json` (global setup packaged it), goes through the same generator as
 * `npm run bindings`, and must match the committed files byte for byte.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing, TerraformOutput, TerraformStack } from 'cdktf';
import {
  MARKER,
  compareBindings,
  generateBindings,
  readProviderSchema,
  writeBindings,
  type ProviderSchemaJson,
} from '../../scripts/generate-bindings';
import { PROVIDER_SOURCE, cliConfigPath } from '../../scripts/package';
import { dataExchangeonlineCasMailboxes, mailboxSmtpAuth, provider } from '../../constructs';

let schema: ProviderSchemaJson;
let generated: Map<string, string>;

beforeAll(async () => {
  // @cdktf/commons runs terraform when first loaded: give it the mirror's CLI config (jest isolates process.env per file).
  process.env.TF_CLI_CONFIG_FILE = cliConfigPath();
  schema = await readProviderSchema();
  generated = await generateBindings(schema);
});

test('the committed bindings are what the current provider schema generates (run `npm run bindings` if this fails)', () => {
  expect(compareBindings(generated)).toEqual([]);
});

test('every generated file says so in its first line, naming the script', () => {
  for (const [file, text] of generated) expect({ file, first: text.split('\n')[0] }).toEqual({ file, first: MARKER });
  expect(MARKER).toContain('scripts/generate-bindings.ts');
});

test('every resource and data source of the schema has its binding, and nothing else does', () => {
  const providerSchema = schema.provider_schemas[PROVIDER_SOURCE] as {
    resource_schemas: object;
    data_source_schemas: object;
  };
  const kebab = (type: string): string => type.replace(/^exchangeonline_/, '').replace(/_/g, '-');
  const expected = [
    ...Object.keys(providerSchema.resource_schemas).map((type) => `${kebab(type)}/index.ts`),
    ...Object.keys(providerSchema.data_source_schemas).map((type) => `data-exchangeonline-${kebab(type)}/index.ts`),
    'provider/index.ts',
    'index.ts',
  ].sort();
  expect([...generated.keys()].sort()).toEqual(expected);
});

test('the drift check reports stale, missing and extra files', () => {
  const directory = mkdtempSync(join(tmpdir(), 'exoform-bindings-'));
  try {
    writeBindings(generated, directory);
    expect(compareBindings(generated, directory)).toEqual([]);
    const file = join(directory, 'transport-config', 'index.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace('allowLegacyTlsClients', 'allowLegacyTls'));
    rmSync(join(directory, 'mailbox-smtp-auth'), { recursive: true });
    writeFileSync(join(directory, 'leftover.ts'), '');
    expect(compareBindings(generated, directory).sort()).toEqual([
      'leftover.ts is not generated from the schema any more',
      'mailbox-smtp-auth/index.ts is missing',
      'transport-config/index.ts is stale',
    ]);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('the L1 classes synthesize against the local provider', () => {
  const stack = new TerraformStack(Testing.app(), 'l1');
  new provider.ExchangeonlineProvider(stack, 'exchangeonline', { organization: 'contoso.onmicrosoft.com' });
  const mailbox = new mailboxSmtpAuth.MailboxSmtpAuth(stack, 'chris', {
    identity: 'chris@contoso.com',
    smtpClientAuthenticationDisabled: true,
  });
  const inherit = new dataExchangeonlineCasMailboxes.DataExchangeonlineCasMailboxes(stack, 'inherit', {
    smtpAuthSetting: 'inherit',
  });
  new TerraformOutput(stack, 'inheriting', { value: inherit.primarySmtpAddresses });
  new TerraformOutput(stack, 'chris_effective', { value: mailbox.effectiveSmtpAuthEnabled });
  const json = JSON.parse(Testing.synth(stack));
  expect(json.output.inheriting.value).toBe('${data.exchangeonline_cas_mailboxes.inherit.primary_smtp_addresses}');
  expect(json.output.chris_effective.value).toBe(
    '${exchangeonline_mailbox_smtp_auth.chris.effective_smtp_auth_enabled}',
  );
  expect(json.resource.exchangeonline_mailbox_smtp_auth.chris).toMatchObject({
    identity: 'chris@contoso.com',
    smtp_client_authentication_disabled: true,
  });
  expect(json.data.exchangeonline_cas_mailboxes.inherit).toMatchObject({ smtp_auth_setting: 'inherit' });
  expect(json.terraform.required_providers.exchangeonline.source).toBe('exoform/exchangeonline');
});

test('an attribute named like a meta-argument (count, provider, ...) gets an Attribute suffix instead of breaking the class', async () => {
  const attribute = (type: string): object => ({ type, computed: true, description_kind: 'plain' });
  const files = await generateBindings({
    format_version: '1.0',
    provider_schemas: {
      [PROVIDER_SOURCE]: {
        provider: { version: 0, block: { attributes: {}, description_kind: 'plain' } },
        resource_schemas: {},
        data_source_schemas: {
          exchangeonline_things: {
            version: 0,
            block: {
              attributes: { id: attribute('string'), count: attribute('number'), provider: attribute('string') },
              description_kind: 'plain',
            },
          },
        },
      },
    },
  });
  const text = files.get('data-exchangeonline-things/index.ts')!;
  expect(text).toContain('public get countAttribute() {');
  expect(text).toContain("return this.getNumberAttribute('count');");
  expect(text).toContain('public get providerAttribute() {');
  expect(text).not.toMatch(/public get (count|provider)\(\)/);
  expect(text).toContain('protected override synthesizeAttributes()');
});
