/**
 * The emulator serves exactly the server's catalog parameters of the cmdlets it models (issue 9): the modelled
 * definitions against the catalog data, the registry's own check, and over real HTTP every catalog parameter of every
 * modelled cmdlet (modelled: bound; the rest: "not modelled") plus names outside the catalog (unknown, no note).
 */
import { CMDLETS } from '../../src/emulator/cmdlets/all-cmdlets';
import { CATALOG_PARAMETERS, type CatalogParameter } from '../../src/emulator/cmdlets/catalog-parameters';
import { CmdletDefinition, CmdletRegistry, ParameterSpec } from '../../src/emulator/cmdlets/registry';
import { DEMO, TestEmulator } from './helpers';

const MODELLED = CMDLETS.names.map((name) => CMDLETS.find(name)!);
const names = (record: object): string[] => Object.keys(record).sort();

/** The parameter counts of the catalog (terraprovider/go-exoscc spec/catalog/EXO-catalog.json at 66c93be). */
const CATALOG_COUNTS: Record<string, number> = {
  'Get-TransportConfig': 0,
  'Set-TransportConfig': 30,
  'Get-CASMailbox': 14,
  'Set-CASMailbox': 36,
  'Get-User': 11,
  'Set-User': 51,
  'New-AuthenticationPolicy': 13,
  'Set-AuthenticationPolicy': 13,
  'Get-AuthenticationPolicy': 1,
  'Remove-AuthenticationPolicy': 1,
  'Get-OrganizationConfig': 1,
  'Set-OrganizationConfig': 141,
};

/** Whether the emulator's binding type fits the catalog's declared type. */
function typeFits(spec: ParameterSpec, entry: CatalogParameter): boolean {
  const declared = entry.declaredType ?? entry.type;
  switch (spec.type) {
    case 'Boolean':
      return declared === 'Boolean' || declared === 'System.Boolean';
    case 'SwitchParameter':
      return entry.type === 'switch' && entry.switch === true;
    case 'String':
      return entry.type === 'string' || declared === 'String' || declared.endsWith('IdParameter');
    case 'Unlimited':
      return declared === 'Unlimited';
    case 'DateTime':
      return declared === 'DateTime';
    case 'StringArray':
      return entry.type === 'string[]' || declared === 'MultiValuedProperty';
  }
}

describe('the catalog data and the modelled definitions', () => {
  it('holds the catalog count of parameters for each of the twelve modelled cmdlets, and nothing else', () => {
    expect(names(CATALOG_PARAMETERS)).toEqual(names(CATALOG_COUNTS));
    for (const [cmdlet, count] of Object.entries(CATALOG_COUNTS))
      expect([cmdlet, names(CATALOG_PARAMETERS[cmdlet]!).length]).toEqual([cmdlet, count]);
    // The catalog is an AST of parameter blocks: ShouldProcess and common parameters never appear in it.
    for (const parameters of Object.values(CATALOG_PARAMETERS)) {
      for (const absent of ['Confirm', 'WhatIf', 'ErrorAction', 'Verbose'])
        expect(parameters).not.toHaveProperty(absent);
    }
  });

  it('models exactly the cmdlets the catalog data covers', () => {
    expect(names(Object.fromEntries(MODELLED.map((d) => [d.name, d])))).toEqual(names(CATALOG_PARAMETERS));
  });

  it.each(MODELLED.map((d) => [d.name, d] as const))(
    '%s models only catalog parameters, in catalog spelling, type and mandatory flag',
    (_name, definition) => {
      const catalog = CATALOG_PARAMETERS[definition.name]!;
      for (const [name, spec] of Object.entries(definition.parameters)) {
        const entry = catalog[name];
        expect([name, entry !== undefined]).toEqual([name, true]);
        expect([name, typeFits(spec, entry!)]).toEqual([name, true]);
        expect([name, spec.mandatory ?? false]).toEqual([name, entry!.mandatory ?? false]);
        // Only a System.Object parameter can take $null; the emulator may be stricter, never looser.
        if (spec.nullable) expect([name, entry!.type]).toEqual([name, 'System.Object']);
      }
      for (const [name, entry] of Object.entries(catalog))
        if (entry.mandatory) expect(definition.parameters).toHaveProperty(name);
    },
  );

  it('gives -Confirm/-WhatIf to the Set-/New-/Remove- cmdlets only (Microsoft lists them there; the catalog cannot)', () => {
    for (const definition of MODELLED)
      expect([definition.name, definition.shouldProcess === true]).toEqual([
        definition.name,
        !definition.name.startsWith('Get-'),
      ]);
  });
});

describe('the registry refuses a definition that strays from the catalog', () => {
  const catalog = {
    'Set-Thing': {
      Identity: { type: 'System.Object', mandatory: true },
      Enabled: { type: 'bool', declaredType: 'Boolean' },
    },
  } as const;
  const define = (name: string, parameters: Record<string, ParameterSpec>): CmdletDefinition => ({
    name,
    parameters,
    run: () => {
      throw new Error('not run');
    },
  });

  it('accepts one that models a subset, mandatory where the catalog says', () => {
    expect(
      () => new CmdletRegistry([define('Set-Thing', { Identity: { type: 'String', mandatory: true } })], catalog),
    ).not.toThrow();
  });

  it.each([
    [
      'a cmdlet outside the catalog',
      define('Set-Other', {}),
      "Emulator cmdlet Set-Other is not in the server's cmdlet catalog",
    ],
    [
      'a parameter outside the catalog',
      define('Set-Thing', { Identity: { type: 'String', mandatory: true }, Force: { type: 'SwitchParameter' } }),
      "models -Force, which the server's catalog does not list",
    ],
    [
      'another spelling',
      define('Set-Thing', { Identity: { type: 'String', mandatory: true }, enabled: { type: 'Boolean' } }),
      'models -enabled',
    ],
    [
      'a mandatory flag the catalog does not have',
      define('Set-Thing', {
        Identity: { type: 'String', mandatory: true },
        Enabled: { type: 'Boolean', mandatory: true },
      }),
      '-Enabled is not mandatory',
    ],
    [
      'a catalog-mandatory parameter left unmodelled',
      define('Set-Thing', { Enabled: { type: 'Boolean' } }),
      "must model the catalog's mandatory -Identity",
    ],
  ])('refuses %s', (_what, definition, message) => {
    expect(() => new CmdletRegistry([definition], catalog)).toThrow(message);
  });
});

/** A value of the modelled type (the answer may still fail for other reasons: only the binding of the name matters). */
function sampleValue(spec: ParameterSpec): unknown {
  switch (spec.type) {
    case 'Boolean':
    case 'SwitchParameter':
      return true;
    case 'Unlimited':
      return 'Unlimited';
    case 'DateTime':
      return '2026-01-01T00:00:00Z';
    case 'StringArray':
      return ['catalog-probe'];
    case 'String':
      return 'catalog-probe';
  }
}

const unknownMessage = (name: string): string =>
  `NamedParameterNotFound|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name '${name}'.`;

/** Names each cmdlet's catalog does not list: real parameters of other cmdlets or environments, and lookalikes. */
const OUTSIDE_THE_CATALOG: Record<string, string[]> = {
  'Get-TransportConfig': ['Identity', 'DomainController'],
  'Set-TransportConfig': ['Identity', 'InternalSMTPServers'],
  'Get-CASMailbox': ['Properties', 'PropertySets'],
  'Set-CASMailbox': ['EmailAddresses', 'DomainController', 'Force'],
  'Get-User': ['Arbitration', 'Properties'],
  'Set-User': ['UserPrincipalName', 'CertificateSubject'],
  'New-AuthenticationPolicy': ['BlockLegacyAuthSmtp', 'Identity'],
  'Set-AuthenticationPolicy': ['Name', 'AllowBasicAuthPowerShellX'],
  'Get-AuthenticationPolicy': ['Name'],
  'Remove-AuthenticationPolicy': ['Force'],
  'Get-OrganizationConfig': ['Identity'],
  'Set-OrganizationConfig': ['Identity', 'Force'],
};

describe('over real HTTP, each modelled cmdlet takes exactly its catalog parameters', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start();
  });
  afterAll(() => emu.close());

  it.each(MODELLED.map((d) => [d.name, d] as const))('%s', async (_name, definition) => {
    // -WhatIf keeps the probes from changing anything where the cmdlet has it.
    const base = definition.shouldProcess ? { WhatIf: true } : {};
    for (const name of Object.keys(CATALOG_PARAMETERS[definition.name]!)) {
      const spec = definition.parameters[name];
      const answer = await emu.invoke(DEMO, definition.name, { ...base, [name]: spec ? sampleValue(spec) : true });
      const message: string = answer.body?.error?.details?.[0]?.message ?? '';
      if (spec) {
        // Modelled: bound (the call may still fail on its value, e.g. an unknown identity, never on the name).
        expect([name, message.includes('NamedParameterNotFound')]).toEqual([name, false]);
      } else {
        expect([name, answer.status]).toEqual([name, 400]);
        expect(message).toBe(
          `${unknownMessage(name)} (${definition.name} has a parameter '${name}' in Exchange Online, ` +
            'but the exoform emulator does not model it; see src/emulator/FIDELITY.md.)',
        );
      }
    }
    // Names are matched case-insensitively, and the note spells the parameter as the catalog does.
    const unmodelled = Object.keys(CATALOG_PARAMETERS[definition.name]!).find(
      (name) => !(name in definition.parameters),
    );
    if (unmodelled) {
      const answer = await emu.invoke(DEMO, definition.name, { [unmodelled.toLowerCase()]: true });
      expect(answer.body.error.details[0].message).toContain(`has a parameter '${unmodelled}' in Exchange Online`);
    }
    // Outside the catalog: PowerShell's unknown-parameter answer, without the note.
    const outside = [
      ...OUTSIDE_THE_CATALOG[definition.name]!,
      'NotACatalogParameter',
      ...(definition.shouldProcess ? [] : ['Confirm', 'WhatIf']),
    ];
    for (const name of outside) {
      expect(CATALOG_PARAMETERS[definition.name]).not.toHaveProperty(name);
      const answer = await emu.invoke(DEMO, definition.name, { [name]: true });
      expect([name, answer.status]).toEqual([name, 400]);
      expect(answer.body.error.details[0].message).toBe(unknownMessage(name));
    }
  });

  it("enforces the catalog's mandatory parameters with PowerShell's binding error", async () => {
    for (const definition of MODELLED) {
      const mandatory = Object.entries(CATALOG_PARAMETERS[definition.name]!)
        .filter(([, entry]) => entry.mandatory)
        .map(([name]) => name);
      if (mandatory.length === 0) continue;
      const answer = await emu.invoke(DEMO, definition.name, definition.shouldProcess ? { WhatIf: true } : {});
      expect([definition.name, answer.status]).toEqual([definition.name, 400]);
      expect(answer.body.error.details[0].message).toBe(
        `MissingMandatoryParameter|System.Management.Automation.ParameterBindingException|Cannot process command because of one or more missing mandatory parameters: ${mandatory[0]}.`,
      );
    }
  });
});
