/**
 * TenantFleet: one stack per tenant with its own provider configuration and state, waves as stack dependencies,
 * credentials only by reference. Synthesized in-process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, S3Backend, Testing, TerraformStack } from 'cdktf';
import {
  ConstructValidationError,
  TenantFleet,
  defaultTenantName,
  type TenantFleetProps,
  type TenantStack,
} from '../../constructs';

interface StackJson {
  provider: { exchangeonline: Array<Record<string, unknown>> };
  terraform: { backend: Record<string, Record<string, unknown>>; required_providers: Record<string, unknown> };
  variable?: Record<string, Record<string, unknown>>;
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

const synth = (stack: TenantStack): StackJson => JSON.parse(Testing.synth(stack)) as StackJson;
const only = (json: StackJson, type: string): Record<string, unknown> => {
  const values = Object.values(json.resource[type] ?? {});
  expect(values).toHaveLength(1);
  const { ['//']: _metadata, ...rest } = values[0];
  return rest;
};

// Whether a fleet may keep local state depends on running in CI: these tests choose, whatever runs them.
const CI_VARIABLES = ['CI', 'GITHUB_ACTIONS', 'TF_BUILD', 'GITLAB_CI', 'BUILDKITE', 'JENKINS_URL'];
const savedCi = Object.fromEntries(CI_VARIABLES.map((name) => [name, process.env[name]]));
beforeEach(() => {
  for (const name of CI_VARIABLES) delete process.env[name];
});
afterAll(() => {
  for (const [name, value] of Object.entries(savedCi)) if (value !== undefined) process.env[name] = value;
});

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'exoform-fleet-'));
  mkdirSync(join(directory, 'allow'));
  writeFileSync(join(directory, 'allow', 'contoso.txt'), '# contoso\nscanner@contoso.com\n');
  writeFileSync(join(directory, 'allow', 'fabrikam.txt'), 'printer@fabrikam.com\nalerts@fabrikam.com # UPS\n');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function writeFleet(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

function fleetError(run: () => unknown): ConstructValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConstructValidationError) return error;
    throw error;
  }
  throw new Error('expected a ConstructValidationError');
}

const FLEET_YAML = `
version: 1
stateDirectory: tf-state
defaults:
  baseline:
    allowLegacyTlsClients: false
  credentials:
    clientId: 11111111-2222-3333-4444-555555555555
    certificatePath: certs/msp-app.pfx
    certificatePassword: { env: TF_VAR_msp_cert_password }
tenants:
  - tenant: contoso.onmicrosoft.com
    wave: 0
    allowList: allow/contoso.txt
    credentials:
      accessToken: { env: TF_VAR_contoso_token }
  - tenant: fabrikam.onmicrosoft.com
    wave: 1
    allowList: allow/fabrikam.txt
    baseline:
      allowLegacyTlsClients: true
      authenticationPolicy: { name: Allow Basic SMTP }
  - tenant: 0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9
    name: northwind
    wave: 1
    endpoint: https://outlook.office365.com
    maxConcurrentRequests: 2
    allowList: [labels@northwind.com]
    credentials:
      clientId: { env: TF_VAR_northwind_app }
      clientSecret: { file: secrets/northwind.secret }
`;

describe('TenantFleet.fromFile', () => {
  test('one stack per tenant, named <id>-w<wave>-<tenant>, each with its own provider block and state file', () => {
    const app = Testing.app();
    const fleet = TenantFleet.fromFile(app, 'fleet', writeFleet('fleet.yaml', FLEET_YAML));
    expect(fleet.stacks.map((s) => s.node.id)).toEqual(['fleet-w0-contoso', 'fleet-w1-fabrikam', 'fleet-w1-northwind']);
    expect(fleet.waves.map((wave) => wave.map((s) => s.tenantName))).toEqual([['contoso'], ['fabrikam', 'northwind']]);
    for (const stack of fleet.stacks) expect(stack.node.scope).toBe(app); // siblings in the App, so the cdktf CLI sees them

    const contoso = synth(fleet.stacks[0]);
    expect(contoso.provider.exchangeonline).toEqual([
      { organization: 'contoso.onmicrosoft.com', access_token: '${var.contoso_token}' },
    ]);
    expect(contoso.variable).toEqual({
      contoso_token: expect.objectContaining({
        type: 'string',
        sensitive: true,
        ephemeral: true,
        nullable: false,
        description: expect.stringContaining('export TF_VAR_contoso_token'),
      }),
    });
    expect(contoso.terraform.backend).toEqual({ local: { path: join(directory, 'tf-state', 'contoso.tfstate') } });
    expect(contoso.terraform.required_providers.exchangeonline).toEqual({
      source: 'exoform/exchangeonline',
      version: expect.any(String),
    });
    expect(only(contoso, 'exchangeonline_mailbox_smtp_auth_list')).toMatchObject({
      identities: { 'scanner@contoso.com': '' },
      exclusive: true,
      provider: 'exchangeonline',
    });
    expect(only(contoso, 'exchangeonline_transport_config')).toMatchObject({
      smtp_client_authentication_disabled: true,
      allow_legacy_tls_clients: false,
    });

    // fabrikam: the defaults' app credentials (paths resolved against the fleet file), its own baseline overrides.
    const fabrikam = synth(fleet.stacks[1]);
    expect(fabrikam.provider.exchangeonline).toEqual([
      {
        organization: 'fabrikam.onmicrosoft.com',
        client_id: '11111111-2222-3333-4444-555555555555',
        certificate_path: join(directory, 'certs', 'msp-app.pfx'),
        certificate_password: '${var.msp_cert_password}',
      },
    ]);
    expect(Object.keys(fabrikam.variable ?? {})).toEqual(['msp_cert_password']);
    expect(only(fabrikam, 'exchangeonline_transport_config')).toMatchObject({ allow_legacy_tls_clients: true });
    expect(only(fabrikam, 'exchangeonline_mailbox_smtp_auth_list')).toMatchObject({
      identities: { 'printer@fabrikam.com': '', 'alerts@fabrikam.com': '' },
    });
    expect(only(fabrikam, 'exchangeonline_authentication_policy')).toMatchObject({
      name: 'Allow Basic SMTP',
      allow_basic_auth_smtp: true,
    });
    expect(Object.keys(fabrikam.resource.exchangeonline_authentication_policy_assignment)).toHaveLength(2);

    // northwind: by tenant id, a secret read from a file at plan time, its own endpoint and concurrency.
    const northwind = synth(fleet.stacks[2]);
    expect(northwind.provider.exchangeonline).toEqual([
      {
        organization: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
        endpoint: 'https://outlook.office365.com',
        max_concurrent_requests: 2,
        client_id: '${var.northwind_app}',
        client_secret: `\${sensitive(trimspace(file("${join(directory, 'secrets', 'northwind.secret')}")))}`,
      },
    ]);
    expect(northwind.terraform.backend.local.path).toBe(join(directory, 'tf-state', 'northwind.tfstate'));
  });

  test('no secret value reaches the synthesized JSON', () => {
    const app = Testing.app();
    const fleet = TenantFleet.fromFile(app, 'fleet', writeFleet('fleet.yaml', FLEET_YAML));
    for (const stack of fleet.stacks) {
      const text = Testing.synth(stack);
      expect(text).not.toMatch(/"(access_token|client_secret|certificate_password)": "(?!\$\{)/);
    }
  });

  test('waves are stack dependencies (wave 1 waits for every wave-0 stack), unless orderWaves is false', () => {
    const app = Testing.app();
    const fleet = TenantFleet.fromFile(app, 'fleet', writeFleet('fleet.yaml', FLEET_YAML));
    expect(fleet.stacks[0].dependencies).toEqual([]);
    expect(fleet.stacks[1].dependencies).toEqual([fleet.stacks[0]]);
    expect(fleet.stacks[2].dependencies).toEqual([fleet.stacks[0]]);
    const unordered = TenantFleet.fromFile(Testing.app(), 'fleet', join(directory, 'fleet.yaml'), {
      orderWaves: false,
    });
    expect(unordered.stacks.every((stack) => stack.dependencies.length === 0)).toBe(true);
  });

  test('writes the wave order into the cdktf manifest the CLI reads', () => {
    const outdir = join(directory, 'cdktf.out');
    const app = new App({ outdir, stackTraces: false });
    TenantFleet.fromFile(app, 'fleet', writeFleet('fleet.yaml', FLEET_YAML));
    app.synth();
    const manifest = JSON.parse(require('node:fs').readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      stacks: Record<string, { dependencies: string[] }>;
    };
    expect(
      Object.fromEntries(Object.entries(manifest.stacks).map(([name, stack]) => [name, stack.dependencies])),
    ).toEqual({
      'fleet-w0-contoso': [],
      'fleet-w1-fabrikam': ['fleet-w0-contoso'],
      'fleet-w1-northwind': ['fleet-w0-contoso'],
    });
  });

  test('JSON fleet files work too, and a backend hook replaces the local state files', () => {
    const path = writeFleet(
      'fleet.json',
      JSON.stringify({
        tenants: [
          { tenant: 'contoso.onmicrosoft.com', credentials: { accessToken: { file: '/run/secrets/contoso' } } },
        ],
      }),
    );
    const fleet = TenantFleet.fromFile(Testing.app(), 'msp', path, {
      backend: (stack) =>
        new S3Backend(stack, { bucket: 'msp-state', key: `exoform/${stack.tenantName}.tfstate`, region: 'eu-west-1' }),
    });
    const json = synth(fleet.stacks[0]);
    expect(fleet.stacks[0].node.id).toBe('msp-w0-contoso');
    expect(json.terraform.backend).toEqual({
      s3: { bucket: 'msp-state', key: 'exoform/contoso.tfstate', region: 'eu-west-1' },
    });
    expect(json.provider.exchangeonline[0].access_token).toBe('${sensitive(trimspace(file("/run/secrets/contoso")))}');
  });

  test('a backend in the fleet file: one key per tenant in azurerm, s3, HCP Terraform (remote) or pg', () => {
    const tenants = `tenants:
  - tenant: contoso.onmicrosoft.com
    credentials: { accessToken: { env: TF_VAR_contoso } }
  - tenant: fabrikam.onmicrosoft.com
    credentials: { accessToken: { env: TF_VAR_fabrikam } }
`;
    const backends = (backend: string): Array<Record<string, unknown>> =>
      TenantFleet.fromFile(Testing.app(), 'fleet', writeFleet('fleet.yaml', `${backend}\n${tenants}`)).stacks.map(
        (stack) => synth(stack).terraform.backend,
      );
    const azurerm = `backend:
  type: azurerm
  config: { resource_group_name: rg-state, storage_account_name: stexoform, container_name: tfstate, use_azuread_auth: true }`;
    expect(backends(azurerm)).toEqual(
      ['contoso', 'fabrikam'].map((name) => ({
        azurerm: {
          resource_group_name: 'rg-state',
          storage_account_name: 'stexoform',
          container_name: 'tfstate',
          use_azuread_auth: true,
          key: `exoform/${name}.tfstate`,
        },
      })),
    );
    expect(
      backends(
        'backend: { type: s3, keyPrefix: msp/, config: { bucket: msp-state, region: eu-west-1, use_lockfile: true } }',
      )[1],
    ).toEqual({
      s3: { bucket: 'msp-state', region: 'eu-west-1', use_lockfile: true, key: 'msp/fabrikam.tfstate' },
    });
    expect(
      backends('backend: { type: remote, config: { hostname: app.terraform.io, organization: contoso-msp } }')[0],
    ).toEqual({
      remote: { hostname: 'app.terraform.io', organization: 'contoso-msp', workspaces: { name: 'exoform-contoso' } },
    });
    expect(backends('backend: { type: pg }')[1]).toEqual({ pg: { schema_name: 'exoform_fabrikam' } }); // conn_str from PG_CONN_STR
    // The option replaces the file's backend.
    const path = writeFleet('fleet.yaml', `backend: { type: pg }\n${tenants}`);
    const fleet = TenantFleet.fromFile(Testing.app(), 'fleet', path, {
      backend: { type: 's3', config: { bucket: 'b' } },
    });
    // s3 locks only when asked: the fleet asks for its lock file unless a DynamoDB table is named.
    expect(synth(fleet.stacks[0]).terraform.backend).toEqual({
      s3: { bucket: 'b', use_lockfile: true, key: 'exoform/contoso.tfstate' },
    });
    expect(backends('backend: { type: s3, config: { bucket: b, dynamodb_table: locks } }')[0]).toEqual({
      s3: { bucket: 'b', dynamodb_table: 'locks', key: 'exoform/contoso.tfstate' },
    });
  });

  test('no backend: an error in CI, where local state is lost with the job; outside CI local state files and a warning', () => {
    const text =
      'tenants:\n  - tenant: contoso.onmicrosoft.com\n    credentials: { accessToken: { env: TF_VAR_contoso } }\n';
    const path = writeFleet('fleet.yaml', text);
    const local = TenantFleet.fromFile(Testing.app(), 'fleet', path);
    expect(synth(local.stacks[0]).terraform.backend).toEqual({
      local: { path: join(directory, 'state', 'contoso.tfstate') },
    });
    expect(local.node.metadata.map((entry) => entry.data)).toEqual([
      `no backend: each tenant's state is a local file under ${join(directory, 'state')}. Add a backend (constructs/README.md, "State") before a pipeline runs this fleet.`,
    ]);

    for (const variables of [{ CI: 'true' }, { GITHUB_ACTIONS: 'true' }, { TF_BUILD: 'True' }, { GITLAB_CI: 'true' }]) {
      Object.assign(process.env, variables);
      try {
        const error = fleetError(() => TenantFleet.fromFile(Testing.app(), 'fleet', path));
        expect(error.message).toContain(
          'names no backend, and this runs in CI, where local state files are lost with the job',
        );
        expect(error.message).toContain('Add a backend (fleet file: backend: { type: azurerm | s3 | remote | pg');
        // Local state on purpose (a runner that keeps its disk): stateDirectory says so, and is accepted.
        const chosen = TenantFleet.fromFile(
          Testing.app(),
          'fleet',
          writeFleet('local.yaml', `stateDirectory: /var/lib/exoform\n${text}`),
        );
        expect(synth(chosen.stacks[0]).terraform.backend).toEqual({
          local: { path: '/var/lib/exoform/contoso.tfstate' },
        });
      } finally {
        for (const name of Object.keys(variables)) delete process.env[name];
      }
    }
    process.env.CI = 'false';
    expect(() => TenantFleet.fromFile(Testing.app(), 'fleet', path)).not.toThrow();
  });

  test('workload identity federation: clientId with federatedTokenFile, no secret and no variable', () => {
    const path = writeFleet(
      'fleet.yaml',
      `tenants:
  - tenant: contoso.onmicrosoft.com
    credentials: { clientId: 11111111-2222-3333-4444-555555555555, federatedTokenFile: ci/oidc-token }
`,
    );
    const json = synth(TenantFleet.fromFile(Testing.app(), 'fleet', path).stacks[0]);
    expect(json.provider.exchangeonline).toEqual([
      {
        organization: 'contoso.onmicrosoft.com',
        client_id: '11111111-2222-3333-4444-555555555555',
        federated_token_file: join(directory, 'ci', 'oidc-token'),
      },
    ]);
    expect(json.variable).toBeUndefined();
    const error = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'bad.yaml',
          `tenants:\n  - tenant: a.onmicrosoft.com\n    credentials: { clientId: x, federatedTokenFile: t, clientSecret: { env: TF_VAR_s } }\n`,
        ),
      ),
    );
    expect(error.message).toContain('give one of clientSecret, federatedTokenFile, not both');
  });

  test('stackFor finds a tenant by domain, id or name', () => {
    const fleet = TenantFleet.fromFile(Testing.app(), 'fleet', writeFleet('fleet.yaml', FLEET_YAML));
    expect(fleet.stackFor('CONTOSO.onmicrosoft.com')?.tenantName).toBe('contoso');
    expect(fleet.stackFor('northwind')?.tenant).toBe('0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9');
    expect(fleet.stackFor('nobody')).toBeUndefined();
  });
});

describe('TenantFleet bad input: every problem listed, with where it is and what to do', () => {
  const tenant = (extra: string): string => `tenants:\n  - tenant: contoso.onmicrosoft.com\n${extra}`;

  test('a tenant without credentials (and no defaults)', () => {
    const error = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          `tenants:\n  - tenant: contoso.onmicrosoft.com\n    credentials: { accessToken: { env: TF_VAR_a } }\n  - tenant: fabrikam.onmicrosoft.com\n`,
        ),
      ),
    );
    expect(error.constructPath).toBe('fleet');
    expect(error.message).toContain(
      'tenants[1] (fabrikam.onmicrosoft.com): has no credentials and the fleet has no defaults.credentials',
    );
    expect(error.fix).toContain('constructs/README.md');
  });

  test('duplicate tenants (case-insensitive) and duplicate names', () => {
    const error = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          `defaults: { credentials: { accessToken: { env: TF_VAR_t } } }
tenants:
  - tenant: contoso.onmicrosoft.com
  - tenant: Contoso.OnMicrosoft.com
  - tenant: contoso.com
    name: contoso
`,
        ),
      ),
    );
    expect(error.message).toContain(
      'tenants[1] (Contoso.OnMicrosoft.com): is already in the fleet as tenants[0]; each tenant appears once',
    );
    expect(error.message).toContain(
      'tenants[2] (contoso.com).name: "contoso" is already the name of tenants[0] (contoso.onmicrosoft.com)',
    );
  });

  test('an inline secret in the fleet file is rejected, wherever it is', () => {
    const jwt =
      'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSJ9.c2lnbmF0dXJl';
    const error = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          `tenants:
  - tenant: contoso.onmicrosoft.com
    credentials: { accessToken: "${jwt}" }
  - tenant: fabrikam.onmicrosoft.com
    credentials:
      clientId: 11111111-2222-3333-4444-555555555555
      clientSecret: plain-text-secret
  - tenant: northwind.onmicrosoft.com
    name: nw
    credentials: { clientId: 11111111-2222-3333-4444-555555555555, clientSecret: { env: TF_VAR_nw } }
    baseline:
      authenticationPolicy: { name: "abc8Q~aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789" }
`,
        ),
      ),
    );
    expect(error.message).toContain('tenants[0].credentials.accessToken: looks like an access token (JWT)');
    expect(error.message).toContain(
      'tenants[0] (contoso.onmicrosoft.com).credentials.accessToken: an inline secret is not accepted',
    );
    expect(error.message).toContain(
      'tenants[1] (fabrikam.onmicrosoft.com).credentials.clientSecret: an inline secret is not accepted',
    );
    expect(error.message).toContain('tenants[2].baseline.authenticationPolicy.name: looks like an Entra client secret');
    expect(error.message).not.toContain('plain-text-secret');
    expect(error.message).not.toContain(jwt);
  });

  test('secret-looking keys are refused as such, env references must be TF_VAR_ variables', () => {
    const error = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          tenant(`    password: hunter2\n    credentials: { accessToken: { env: CONTOSO_TOKEN } }\n`),
        ),
      ),
    );
    expect(error.message).toContain('tenants[0].password: secrets are never written in the fleet file');
    expect(error.message).toContain('credentials.accessToken.env: "CONTOSO_TOKEN" is not a TF_VAR_ variable');
    expect(error.message).toContain('"TF_VAR_contoso_token"');
  });

  test('incomplete or conflicting credentials', () => {
    const error = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          `tenants:
  - tenant: a.onmicrosoft.com
    credentials: { clientId: x }
  - tenant: b.onmicrosoft.com
    credentials: { accessToken: { env: TF_VAR_b }, clientId: x }
  - tenant: c.onmicrosoft.com
    credentials: { clientId: x, certificatePath: c.pfx, clientSecret: { file: s } }
  - tenant: d.onmicrosoft.com
    credentials: { accessToken: { env: TF_VAR_d, file: d } }
`,
        ),
      ),
    );
    expect(error.message).toContain('tenants[0] (a.onmicrosoft.com).credentials: clientId needs certificatePath');
    expect(error.message).toContain('tenants[1] (b.onmicrosoft.com).credentials: give either accessToken, or clientId');
    expect(error.message).toContain(
      'tenants[2] (c.onmicrosoft.com).credentials: give one of certificatePath, clientSecret, not both',
    );
    expect(error.message).toContain(
      'tenants[3] (d.onmicrosoft.com).credentials.accessToken: must have exactly one key, env or file',
    );
  });

  test('a malformed line in an allow-list file, with file and line number', () => {
    writeFileSync(join(directory, 'allow', 'bad.txt'), 'scanner@contoso.com\n\nsean@contoso\n');
    const error = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          tenant(`    allowList: allow/bad.txt\n    credentials: { accessToken: { env: TF_VAR_t } }\n`),
        ),
      ),
    );
    expect(error.message).toContain(
      `tenants[0] (contoso.onmicrosoft.com).allowList: ${join(directory, 'allow', 'bad.txt')}:3: "sean@contoso" has the domain "contoso" with no dot`,
    );
  });

  test('a missing allow-list file, unknown keys, bad waves, endpoints and names', () => {
    const error = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          tenant(`    allowList: allow/nope.txt
    wave: -1
    name: Contoso_Tenant
    endpoint: outlook.office365.com
    maxConcurrentRequests: 100
    Baseline: {}
    baseline: { exclusiv: true, allowLegacyTlsClients: "yes" }
    credentials: { accessToken: { env: TF_VAR_t } }
`),
        ),
      ),
    );
    const message = error.message;
    expect(message).toContain('allowList: the allow-list file');
    expect(message).toContain('does not exist');
    expect(message).toContain('.wave: must be a whole number from 0 to 99, got -1');
    expect(message).toContain('.name: must be 1-40 lower-case letters, digits and dashes');
    expect(message).toContain('.endpoint: must be an https URL');
    expect(message).toContain('.maxConcurrentRequests: must be a whole number from 1 to 64');
    expect(message).toContain('tenants[0].Baseline: unknown key; did you mean "baseline"?');
    expect(message).toContain('.baseline.exclusiv: unknown key');
    expect(message).toContain('.baseline.allowLegacyTlsClients: must be true or false, got "yes"');
  });

  test('a bad backend: unknown type, a secret or the per-tenant key in its config, together with stateDirectory', () => {
    const message = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          `stateDirectory: state
backend:
  type: azurerm
  keyPrefix: "a b"
  config: { storage_account_name: st, access_key: { env: X }, key: all.tfstate, container: [a] }
tenants:
  - tenant: contoso.onmicrosoft.com
    credentials: { accessToken: { env: TF_VAR_contoso } }
`,
        ),
      ),
    ).message;
    expect(message).toContain("backend.keyPrefix: must be letters, digits, '_', '.', '/' or '-'");
    expect(message).toContain(
      'backend.config.access_key: is a secret and would be written into cdktf.out/: leave it out and give it to the backend as ARM_ACCESS_KEY',
    );
    expect(message).toContain(
      'backend.config.key: is set per tenant by the fleet (<keyPrefix><tenant name>); remove it, or set keyPrefix',
    );
    expect(message).toContain('backend.config.container: must be a string, number or true/false');
    expect(message).toContain(
      'stateDirectory: is for local state files and the fleet has a backend: remove one of them',
    );
    const type = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          'backend: { type: consul, conf: {} }\ntenants:\n  - tenant: a.onmicrosoft.com\n    credentials: { accessToken: { env: TF_VAR_a } }\n',
        ),
      ),
    ).message;
    expect(type).toContain(
      'backend.type: must be one of azurerm, s3, remote, pg (remote is HCP Terraform), got "consul"',
    );
    expect(type).toMatch(/backend\.conf: .*config/);
  });

  test('file-level problems: syntax, version, top-level keys, empty tenant list', () => {
    expect(
      fleetError(() => TenantFleet.fromFile(Testing.app(), 'fleet', writeFleet('f.yaml', 'tenants: [\n'))).problem,
    ).toContain('cannot read the fleet file');
    const topLevel = fleetError(() =>
      TenantFleet.fromFile(Testing.app(), 'fleet', writeFleet('f.yaml', 'version: 2\ntenant: x\n')),
    ).message;
    expect(topLevel).toContain('version: must be 1, got 2');
    expect(topLevel).toContain('tenant: unknown key; did you mean "tenants"?');
    expect(
      fleetError(() => TenantFleet.fromFile(Testing.app(), 'fleet', writeFleet('f.yaml', 'tenants: []\n'))).message,
    ).toContain('tenants: must be a non-empty list');
    expect(
      fleetError(() => TenantFleet.fromFile(Testing.app(), 'fleet', join(directory, 'missing.yaml'))).problem,
    ).toContain('cannot read the fleet file');
  });

  test('baseline settings are validated by SmtpAuthBaseline, naming the tenant stack', () => {
    const error = fleetError(() =>
      TenantFleet.fromFile(
        Testing.app(),
        'fleet',
        writeFleet(
          'fleet.yaml',
          tenant(
            `    credentials: { accessToken: { env: TF_VAR_t } }\n    baseline: { authenticationPolicy: { name: P, allowBasicAuth: [ftp] } }\n`,
          ),
        ),
      ),
    );
    expect(error.constructPath).toBe('fleet-w0-contoso/baseline');
    expect(error.problem).toContain('unknown protocol(s) "ftp"');
  });

  test('the fleet must be created in the App', () => {
    const app = Testing.app();
    const props: TenantFleetProps = {
      tenants: [{ tenant: 'contoso.onmicrosoft.com', credentials: { accessToken: { env: 'TF_VAR_t' } } }],
    };
    const error = fleetError(() => new TenantFleet(new TerraformStack(app, 'stack'), 'fleet', props));
    expect(error.constructPath).toBe('stack/fleet');
    expect(error.fix).toContain('new TenantFleet(app, ...)');
  });

  test('typed props get the same checks as the file (an inline secret passed with a cast)', () => {
    const error = fleetError(
      () =>
        new TenantFleet(Testing.app(), 'fleet', {
          tenants: [{ tenant: 'contoso.onmicrosoft.com', credentials: { accessToken: 'secret' as never } }],
        }),
    );
    expect(error.message).toContain('TenantFleet props is invalid');
    expect(error.message).toContain('credentials.accessToken: an inline secret is not accepted');
  });
});

test('defaultTenantName', () => {
  expect(defaultTenantName('contoso.onmicrosoft.com')).toBe('contoso');
  expect(defaultTenantName('Fabrikam.com')).toBe('fabrikam-com');
  expect(defaultTenantName('0B1C2D3E-4f50-4617-8293-a4b5c6d7e8f9')).toBe('tenant-0b1c2d3e');
});
