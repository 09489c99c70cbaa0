/**
 * The exoform provider over plugin protocol 6, driven by a test gRPC client the way Terraform drives it:
 * schema and metadata, validation, configuration with a full msgpack object, the plan → apply → read cycle of
 * exchangeonline_transport_config against the emulator (asserted through its inspection API), diagnostics with
 * attribute paths, and go-plugin's Shutdown on the real packaged process.
 */
import { providerExecutable } from '../../scripts/package';
import { silentLogger } from '../../src/protocol/logging';
import { createExoformProvider, providerSchema } from '../../src/provider/provider';
import { isUnknown, Unknown, type CtyValue } from '../../src/protocol/msgpack';
import { enums } from '../../src/protocol/protobuf';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';
import {
  createClientIdentity,
  describeDiagnostics,
  dynamic,
  fromDynamic,
  PluginClient,
  spawnProvider,
  startInProcessProvider,
  within,
  type DiagnosticMessage,
  type InProcessProvider,
} from '../support/plugin-client';

const P = (method: string): string => `/tfplugin6.Provider/${method}`;
const ERROR = enums['tfplugin6.Diagnostic.Severity'].ERROR;
const RESOURCE = 'exchangeonline_transport_config';
// What the provider defines; the server must expose exactly that (the list grows as resources are added).
const DEFINED = createExoformProvider(silentLogger, {});
const RESOURCE_TYPES = DEFINED.resources.map((r) => r.typeName);
const DATA_SOURCE_TYPES = DEFINED.dataSources.map((d) => d.typeName);
const PROVIDER_ATTRIBUTES = Object.keys(providerSchema.block.attributes).sort();

/** The provider block as Terraform sends it: every attribute present, nil where unset. */
type ProviderSettings = Partial<
  Record<
    | 'organization'
    | 'access_token'
    | 'client_id'
    | 'client_secret'
    | 'certificate_path'
    | 'certificate_password'
    | 'endpoint',
    string
  >
>;
function providerConfig(values: ProviderSettings): CtyValue {
  return {
    organization: values.organization ?? null,
    access_token: values.access_token ?? null,
    client_id: values.client_id ?? null,
    client_secret: values.client_secret ?? null,
    certificate_path: values.certificate_path ?? null,
    certificate_password: values.certificate_password ?? null,
    endpoint: values.endpoint ?? null,
  };
}

/** A resource configuration: the settings given, every other attribute nil. */
function resourceConfig(values: { smtp?: boolean; legacy?: boolean; restore?: boolean }): Record<string, CtyValue> {
  return {
    id: null,
    smtp_client_authentication_disabled: values.smtp ?? null,
    allow_legacy_tls_clients: values.legacy ?? null,
    restore_on_destroy: values.restore ?? null,
    original_settings: null,
    legacy_tls_client_endpoint: null,
  };
}

function errors(diagnostics: DiagnosticMessage[] | undefined): DiagnosticMessage[] {
  return (diagnostics ?? []).filter((d) => d.severity === ERROR);
}

function expectNoErrors(response: { diagnostics?: DiagnosticMessage[] }): void {
  if (errors(response.diagnostics).length)
    throw new Error(`unexpected error diagnostics:\n${describeDiagnostics(response.diagnostics)}`);
}

interface AttributeMessage {
  name: string;
  type: Buffer;
  optional?: boolean;
  computed?: boolean;
  required?: boolean;
  sensitive?: boolean;
}
const attributeNames = (schema: { block: { attributes: AttributeMessage[] } }): string[] =>
  schema.block.attributes.map((a) => a.name);

describe('provider server, in process', () => {
  let emulator: TestEmulator;
  let running: InProcessProvider;
  let client: PluginClient;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    running = await startInProcessProvider();
    client = running.client;
  });

  afterAll(async () => {
    await running?.stop();
    await emulator?.stop();
  });

  describe('schema and metadata', () => {
    test('GetProviderSchema: the provider block, exchangeonline_transport_config as resource and data source, capabilities', async () => {
      const response = await client.unary(P('GetProviderSchema'));
      expect(response.diagnostics).toEqual([]);
      expect(attributeNames(response.provider)).toEqual(PROVIDER_ATTRIBUTES);
      expect(PROVIDER_ATTRIBUTES).toEqual(
        expect.arrayContaining([
          'access_token',
          'certificate_password',
          'certificate_path',
          'client_id',
          'client_secret',
          'endpoint',
          'organization',
        ]),
      );
      const organization = response.provider.block.attributes.find((a: AttributeMessage) => a.name === 'organization');
      expect(Buffer.from(organization.type).toString()).toBe('"string"');
      expect(organization.optional).toBe(true);
      expect(
        response.provider.block.attributes.find((a: AttributeMessage) => a.name === 'access_token').sensitive,
      ).toBe(true);

      expect(Object.keys(response.resource_schemas)).toEqual(RESOURCE_TYPES);
      expect(Object.keys(response.data_source_schemas)).toEqual(DATA_SOURCE_TYPES);
      expect(RESOURCE_TYPES).toContain(RESOURCE);
      expect(DATA_SOURCE_TYPES).toContain(RESOURCE);
      expect(attributeNames(response.resource_schemas[RESOURCE])).toEqual([
        'allow_legacy_tls_clients',
        'id',
        'legacy_tls_client_endpoint',
        'original_settings',
        'restore_on_destroy',
        'smtp_client_authentication_disabled',
      ]);
      const endpoint = response.resource_schemas[RESOURCE].block.attributes.find(
        (a: AttributeMessage) => a.name === 'legacy_tls_client_endpoint',
      );
      expect(JSON.parse(Buffer.from(endpoint.type).toString())).toEqual([
        'object',
        { host: 'string', port: 'number', tls_versions: ['list', 'string'] },
      ]);
      expect(response.resource_schemas[RESOURCE].block.description_kind).toBe(enums['tfplugin6.StringKind'].MARKDOWN);

      expect(response.server_capabilities).toMatchObject({ plan_destroy: true, get_provider_schema_optional: true });
    });

    test('GetMetadata lists the same types and capabilities', async () => {
      const response = await client.unary(P('GetMetadata'));
      expect(response.resources).toEqual(RESOURCE_TYPES.map((type_name) => ({ type_name })));
      expect(response.data_sources).toEqual(DATA_SOURCE_TYPES.map((type_name) => ({ type_name })));
      expect(response.server_capabilities).toMatchObject({ plan_destroy: true, get_provider_schema_optional: true });
    });

    test('GetFunctions and GetProviderSchema: mailbox_list(text string) map(string); CallFunction answers a result or a FunctionError at argument 0', async () => {
      const response = await client.unary(P('GetFunctions'));
      expect(Object.keys(response.functions)).toEqual(['mailbox_list']);
      const signature = response.functions.mailbox_list;
      expect(
        signature.parameters.map((p: { name: string; type: Uint8Array }) => [p.name, Buffer.from(p.type).toString()]),
      ).toEqual([['text', '"string"']]);
      expect(Buffer.from(signature.return.type).toString()).toBe('["map","string"]');
      expect(Object.keys((await client.unary(P('GetProviderSchema'))).functions)).toEqual(['mailbox_list']);
      expect((await client.unary(P('GetMetadata'))).functions).toEqual([{ name: 'mailbox_list' }]);

      const ok = await client.unary(P('CallFunction'), {
        name: 'mailbox_list',
        arguments: [dynamic('\ufeffa@contoso.com\r\nb@contoso.com # printer\r\n')],
      });
      expect(ok.error).toBeUndefined();
      expect(fromDynamic(ok.result)).toEqual({ 'a@contoso.com': '', 'b@contoso.com': 'printer' });
      const bad = await client.unary(P('CallFunction'), {
        name: 'mailbox_list',
        arguments: [dynamic('a@contoso.com\nnot an address\n')],
      });
      expect(bad.error.function_argument).toBe(0);
      expect(bad.error.text).toMatch(/line 2: "not an address" contains white space/);
    });

    test('the gRPC health service answers SERVING', async () => {
      const response = await client.unary('/grpc.health.v1.Health/Check', { service: 'plugin' });
      expect(response.status).toBe(enums['grpc.health.v1.HealthCheckResponse.ServingStatus'].SERVING);
    });

    test('a method the provider does not implement answers grpc-status 12 (UNIMPLEMENTED)', async () => {
      const result = await client.call(P('MoveResourceState'), { target_type_name: RESOURCE });
      expect(result.status).toBe(12);
      const unknownPath = await client.callRaw('/tfplugin6.Provider/Nope', new Uint8Array());
      expect(unknownPath.status).toBe(12);
    });

    test('a client without the pinned client certificate is rejected at TLS', async () => {
      for (const identity of [null, createClientIdentity()]) {
        let failure: unknown;
        let stranger: PluginClient | undefined;
        try {
          stranger = await PluginClient.connect(running.handshake, { identity });
          await stranger.call(P('GetMetadata'), {}, 5_000);
        } catch (error) {
          failure = error;
        } finally {
          stranger?.close();
        }
        expect(String(failure)).toMatch(/Error/);
        expect(String(failure)).not.toMatch(/no answer within/);
      }
    });
  });

  describe('validation', () => {
    test('ValidateProviderConfig accepts a full provider object', async () => {
      const response = await client.unary(P('ValidateProviderConfig'), {
        config: dynamic(providerConfig({ organization: DEMO_TENANT })),
      });
      expect(response.diagnostics).toEqual([]);
    });

    test('ValidateResourceConfig accepts a transport config, also with unknown values', async () => {
      const plain = await client.unary(P('ValidateResourceConfig'), {
        type_name: RESOURCE,
        config: dynamic(resourceConfig({ smtp: true })),
      });
      expect(plain.diagnostics).toEqual([]);
      const withUnknown = await client.unary(P('ValidateResourceConfig'), {
        type_name: RESOURCE,
        config: dynamic({ ...resourceConfig({ legacy: false }), smtp_client_authentication_disabled: Unknown.plain }),
      });
      expect(withUnknown.diagnostics).toEqual([]);
    });

    test('ValidateDataResourceConfig accepts the data source', async () => {
      const response = await client.unary(P('ValidateDataResourceConfig'), {
        type_name: RESOURCE,
        config: dynamic({
          id: null,
          smtp_client_authentication_disabled: null,
          allow_legacy_tls_clients: null,
          legacy_tls_client_endpoint: null,
        }),
      });
      expect(errors(response.diagnostics)).toEqual([]);
    });

    test('an unknown resource type is an error diagnostic naming it, not a gRPC failure', async () => {
      const result = await client.call(P('ValidateResourceConfig'), {
        type_name: 'exchangeonline_nope',
        config: dynamic({}),
      });
      expect(result.status).toBe(0);
      const found = errors(result.response.diagnostics);
      expect(found).toHaveLength(1);
      // (Today it is worded as an internal error — see the report; the type name is in the detail.)
      expect(`${found[0].summary} ${found[0].detail}`).toContain('Unknown resource type exchangeonline_nope');
    });
  });

  describe('configuration diagnostics (a fresh provider each)', () => {
    async function configure(values: ProviderSettings): Promise<DiagnosticMessage[]> {
      const fresh = await startInProcessProvider();
      try {
        const response = await fresh.client.unary(P('ConfigureProvider'), {
          terraform_version: '1.11.4',
          config: dynamic(providerConfig(values)),
        });
        return response.diagnostics;
      } finally {
        await fresh.stop();
      }
    }

    test('missing organization: an error naming the setting and EXO_ORGANIZATION, with no attribute path (it is not in the config)', async () => {
      const diagnostics = await configure({ endpoint: emulator.url, access_token: 'x' });
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({
        severity: ERROR,
        summary: 'Invalid exchangeonline provider configuration',
      });
      expect(diagnostics[0].detail).toMatch(/organization/);
      expect(diagnostics[0].detail).toMatch(/EXO_ORGANIZATION/);
      expect(diagnostics[0].attribute).toBeUndefined();
    });

    test('conflicting credentials: the diagnostic points at access_token with an attribute-name step', async () => {
      const diagnostics = await configure({
        organization: DEMO_TENANT,
        endpoint: emulator.url,
        access_token: 'x',
        client_secret: 'y',
      });
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({
        severity: ERROR,
        summary: 'Invalid exchangeonline provider configuration',
      });
      expect(diagnostics[0].detail).toMatch(/access_token.*client_secret/s);
      expect(diagnostics[0].attribute).toEqual({ steps: [{ attribute_name: 'access_token' }] });
    });
  });

  describe('transport config lifecycle against the emulator', () => {
    const config = resourceConfig({ smtp: false, legacy: true });
    let planned: { msgpack: Buffer };
    let state: { msgpack: Buffer };

    test('ConfigureProvider with a full msgpack object (nil for unset) succeeds', async () => {
      const response = await client.unary(P('ConfigureProvider'), {
        terraform_version: '1.11.4',
        config: dynamic(
          providerConfig({ organization: DEMO_TENANT, endpoint: emulator.url, access_token: emulator.token }),
        ),
      });
      expect(response.diagnostics).toEqual([]);
    });

    test('PlanResourceChange (create): configured values kept, computed ones unknown or derived; nothing written', async () => {
      const before = await emulator.inspect.tenant();
      const response = await client.unary(P('PlanResourceChange'), {
        type_name: RESOURCE,
        prior_state: dynamic(null),
        proposed_new_state: dynamic(config),
        config: dynamic(config),
      });
      expectNoErrors(response);
      expect(response.requires_replace).toEqual([]);
      planned = response.planned_state;
      const value = fromDynamic(planned) as Record<string, CtyValue>;
      expect(value).toMatchObject({
        id: DEMO_TENANT,
        smtp_client_authentication_disabled: false,
        allow_legacy_tls_clients: true,
        restore_on_destroy: false,
        legacy_tls_client_endpoint: { host: 'smtp-legacy.office365.com', port: 25, tls_versions: ['1.0', '1.1'] },
      });
      expect(isUnknown(value.original_settings)).toBe(true);
      expect((await emulator.inspect.tenant()).revision).toBe(before.revision);
    });

    test('ApplyResourceChange (create) writes the tenant and returns the full state', async () => {
      const response = await client.unary(P('ApplyResourceChange'), {
        type_name: RESOURCE,
        prior_state: dynamic(null),
        planned_state: planned, // the planned bytes as received, unknowns included
        config: dynamic(config),
      });
      expectNoErrors(response);
      state = response.new_state;
      expect(fromDynamic(state)).toEqual({
        id: DEMO_TENANT,
        smtp_client_authentication_disabled: false,
        allow_legacy_tls_clients: true,
        restore_on_destroy: false,
        original_settings: { smtp_client_authentication_disabled: true, allow_legacy_tls_clients: null },
        legacy_tls_client_endpoint: { host: 'smtp-legacy.office365.com', port: 25, tls_versions: ['1.0', '1.1'] },
      });
      const tenant = await emulator.inspect.tenant();
      expect(tenant.transportConfig).toMatchObject({
        SmtpClientAuthenticationDisabled: false,
        AllowLegacyTLSClients: true,
      });
      const calls = await emulator.inspect.request<{ counts: Record<string, number> }>('GET', '/_emulator/calls');
      expect(calls.counts['Set-TransportConfig']).toBe(1);
    });

    test('ReadResource returns the same state while nothing changed', async () => {
      const response = await client.unary(P('ReadResource'), { type_name: RESOURCE, current_state: state });
      expectNoErrors(response);
      expect(fromDynamic(response.new_state)).toEqual(fromDynamic(state));
    });

    test('ReadResource sees drift made behind the provider’s back', async () => {
      await emulator.inspect.setTransportConfig({ SmtpClientAuthenticationDisabled: true });
      const response = await client.unary(P('ReadResource'), { type_name: RESOURCE, current_state: state });
      expectNoErrors(response);
      const value = fromDynamic(response.new_state) as Record<string, CtyValue>;
      expect(value.smtp_client_authentication_disabled).toBe(true);
      expect(value.original_settings).toEqual({
        smtp_client_authentication_disabled: true,
        allow_legacy_tls_clients: null,
      });
      state = response.new_state;
    });

    test('plan and apply an update repair the drift', async () => {
      const plan = await client.unary(P('PlanResourceChange'), {
        type_name: RESOURCE,
        prior_state: state,
        proposed_new_state: dynamic({
          ...(fromDynamic(state) as Record<string, CtyValue>),
          smtp_client_authentication_disabled: false,
        }),
        config: dynamic(config),
      });
      expectNoErrors(plan);
      expect((fromDynamic(plan.planned_state) as Record<string, CtyValue>).smtp_client_authentication_disabled).toBe(
        false,
      );
      const apply = await client.unary(P('ApplyResourceChange'), {
        type_name: RESOURCE,
        prior_state: state,
        planned_state: plan.planned_state,
        config: dynamic(config),
      });
      expectNoErrors(apply);
      expect((fromDynamic(apply.new_state) as Record<string, CtyValue>).smtp_client_authentication_disabled).toBe(
        false,
      );
      expect((await emulator.inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled).toBe(false);
      state = apply.new_state;
    });

    test('UpgradeResourceState takes stored JSON and answers msgpack', async () => {
      const stored = { ...(fromDynamic(state) as Record<string, unknown>), dropped_attribute: 'gone' };
      const response = await client.unary(P('UpgradeResourceState'), {
        type_name: RESOURCE,
        version: 0,
        raw_state: { json: Buffer.from(JSON.stringify(stored)) },
      });
      expectNoErrors(response);
      expect(fromDynamic(response.upgraded_state)).toEqual(fromDynamic(state));
    });

    test('ImportResourceState for the configured tenant, and a diagnostic for another one', async () => {
      const imported = await client.unary(P('ImportResourceState'), { type_name: RESOURCE, id: DEMO_TENANT });
      expectNoErrors(imported);
      expect(imported.imported_resources).toHaveLength(1);
      expect(imported.imported_resources[0].type_name).toBe(RESOURCE);
      expect(fromDynamic(imported.imported_resources[0].state)).toMatchObject({
        id: DEMO_TENANT,
        smtp_client_authentication_disabled: false,
      });

      const other = await client.unary(P('ImportResourceState'), {
        type_name: RESOURCE,
        id: 'fabrikam.onmicrosoft.com',
      });
      expect(other.imported_resources).toEqual([]);
      expect(errors(other.diagnostics)).toEqual([
        expect.objectContaining({ summary: 'Import ID names a different tenant' }),
      ]);
    });

    test('ReadDataSource reads the tenant', async () => {
      const response = await client.unary(P('ReadDataSource'), {
        type_name: RESOURCE,
        config: dynamic({
          id: null,
          smtp_client_authentication_disabled: null,
          allow_legacy_tls_clients: null,
          legacy_tls_client_endpoint: null,
        }),
      });
      expectNoErrors(response);
      expect(fromDynamic(response.state)).toMatchObject({
        id: DEMO_TENANT,
        smtp_client_authentication_disabled: false,
        allow_legacy_tls_clients: true,
      });
    });

    test('restore_on_destroy without original_settings: the error points at restore_on_destroy', async () => {
      const broken = {
        ...(fromDynamic(state) as Record<string, CtyValue>),
        restore_on_destroy: true,
        original_settings: null,
      };
      const response = await client.unary(P('ApplyResourceChange'), {
        type_name: RESOURCE,
        prior_state: dynamic(broken),
        planned_state: dynamic(null),
        config: dynamic(null),
      });
      expect(errors(response.diagnostics)).toEqual([
        expect.objectContaining({
          summary: 'Cannot restore the original transport settings',
          attribute: { steps: [{ attribute_name: 'restore_on_destroy' }] },
        }),
      ]);
      // A failed delete keeps the resource in state.
      expect(fromDynamic(response.new_state)).toEqual(broken);
    });

    test('destroy (plan_destroy): nil proposed plans nil, applying nil removes it and leaves the tenant as it is', async () => {
      const revision = (await emulator.inspect.tenant()).revision;
      const plan = await client.unary(P('PlanResourceChange'), {
        type_name: RESOURCE,
        prior_state: state,
        proposed_new_state: dynamic(null),
        config: dynamic(null),
      });
      expectNoErrors(plan);
      expect(fromDynamic(plan.planned_state)).toBeNull();
      const apply = await client.unary(P('ApplyResourceChange'), {
        type_name: RESOURCE,
        prior_state: state,
        planned_state: dynamic(null),
        config: dynamic(null),
      });
      expectNoErrors(apply);
      expect(fromDynamic(apply.new_state)).toBeNull();
      expect((await emulator.inspect.tenant()).revision).toBe(revision);
    });
  });
});

describe('shutdown', () => {
  test('in process: GRPCController/Shutdown is answered with grpc-status 0, then the server stops listening', async () => {
    const running = await startInProcessProvider();
    try {
      const shutdown = await running.client.call('/plugin.GRPCController/Shutdown', {});
      expect(shutdown.status).toBe(0);
      running.client.close();
      await within(
        (async () => {
          for (;;) {
            try {
              (
                await PluginClient.connect(running.handshake, { identity: running.identity, connectTimeoutMs: 1_000 })
              ).close();
            } catch (error) {
              return error;
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        })(),
        5_000,
        'the listener closing after Shutdown',
      );
    } finally {
      await running.stop();
    }
  });

  describe('the packaged provider process', () => {
    test('serves GetProviderSchema, writes only the handshake to stdout, and exits 0 promptly on GRPCController/Shutdown', async () => {
      const provider = await spawnProvider(providerExecutable());
      try {
        const schema = await provider.client.unary(P('GetProviderSchema'));
        expect(Object.keys(schema.resource_schemas)).toEqual(RESOURCE_TYPES);
        expect(schema.server_capabilities).toMatchObject({ plan_destroy: true, get_provider_schema_optional: true });

        const started = Date.now();
        // Whether the answer itself arrives is the separate (known-failing) test below; here: the process ends.
        await provider.client.call('/plugin.GRPCController/Shutdown', {}).catch(() => undefined);
        const exit = await within(provider.exited, 5_000, 'provider exit after Shutdown');
        expect(exit).toEqual({ code: 0, signal: null });
        // Without a working Shutdown, Terraform waits ~2 s and kills the process; "promptly" is well under that.
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(provider.stdout()).toBe(provider.handshakeLine + '\n');
      } finally {
        await provider.kill();
      }
    });

    test('the Shutdown call itself is answered with grpc-status 0 before the process exits', async () => {
      const provider = await spawnProvider(providerExecutable());
      try {
        const shutdown = await provider.client.call('/plugin.GRPCController/Shutdown', {});
        expect(shutdown.status).toBe(0);
        expect(await within(provider.exited, 5_000, 'provider exit after Shutdown')).toEqual({ code: 0, signal: null });
      } finally {
        await provider.kill();
      }
    });

    test('ignores SIGINT (Terraform handles Ctrl-C with StopProvider) and still shuts down cleanly', async () => {
      const provider = await spawnProvider(providerExecutable());
      try {
        provider.child.kill('SIGINT');
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(provider.child.exitCode).toBeNull();
        expect((await provider.client.call(P('GetMetadata'))).status).toBe(0);
        await provider.client.call('/plugin.GRPCController/Shutdown', {}).catch(() => undefined);
        expect(await within(provider.exited, 5_000, 'provider exit after Shutdown')).toEqual({ code: 0, signal: null });
      } finally {
        await provider.kill();
      }
    });
  });
});
