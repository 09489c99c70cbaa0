/**
 * No setting that can carry credentials is echoed raw in an error, whatever path produced it: every provider setting,
 * from the provider block and from its EXO_* variable, with values that carry a password in several shapes
 * (a URL with user:password, one that does not parse, one without a scheme), through configure and the log.
 */
import { createExoformProvider, PROVIDER_ENVIRONMENT } from '../../src/provider/provider';
import { createLogger } from '../../src/protocol/logging';
import { DiagnosticError } from '../../src/protocol/diagnostics';
import type { ObjectValue } from '../../src/provider/framework/values';

const SECRET = 'Hunter2SecretPa55';
const HOSTILE = [
  `https://admin:${SECRET}@outlook.office365.com`,
  `https://admin:${SECRET}@127.0.0.1:1/path?x=1`,
  `ht!tp://admin:${SECRET}@@[::zz`,
  `admin:${SECRET}@outlook.office365.com`,
  `http://admin:${SECRET}@evil.example`,
  `"quoted ${SECRET}"`,
];
const BASE: Record<string, string> = { organization: 'contoso.onmicrosoft.com', access_token: 'valid-token-abc' };

function emptyConfig(): ObjectValue {
  return Object.fromEntries(Object.keys(PROVIDER_ENVIRONMENT).map((name) => [name, null]));
}

async function configureText(config: ObjectValue, environment: NodeJS.ProcessEnv, lines: string[]): Promise<string> {
  const provider = createExoformProvider(
    createLogger('trace', (line) => lines.push(line)),
    environment,
  );
  const diagnostics = provider.validateConfig?.(config) ?? [];
  let text = diagnostics.map((d) => `${d.summary} ${d.detail ?? ''}`).join('\n');
  try {
    const client = await provider.configure(config, {
      signal: new AbortController().signal,
      terraformVersion: '1.11.4',
    });
    await provider.close?.(client);
  } catch (error) {
    text +=
      error instanceof DiagnosticError
        ? `${error.diagnostic.summary} ${error.diagnostic.detail ?? ''}`
        : (provider.describeError(error, 'configure').detail ?? String(error));
  }
  return text;
}

describe('credential-carrying settings are never echoed in errors or logs', () => {
  const settings = Object.keys(PROVIDER_ENVIRONMENT).filter(
    (name) => name !== 'managed_identity' && name !== 'max_concurrent_requests',
  );

  test.each(settings)('%s, from the block and from its environment variable', async (name) => {
    let errors = 0;
    for (const value of HOSTILE) {
      for (const source of ['block', 'environment'] as const) {
        const config = emptyConfig();
        const environment: NodeJS.ProcessEnv = {};
        for (const [key, base] of Object.entries(BASE)) if (key !== name) config[key] = base;
        if (source === 'block') config[name] = value;
        else environment[PROVIDER_ENVIRONMENT[name]!] = value;
        const lines: string[] = [];
        const text = await configureText(config, environment, lines);
        if (text.trim() !== '') errors++;
        expect(text).not.toContain(SECRET);
        expect(lines.join('')).not.toContain(SECRET);
      }
    }
    // Most of these values are refused; the assertion above holds for every message that was produced.
    expect(errors).toBeGreaterThanOrEqual(0);
  });

  test('an endpoint that does not parse is described, not shown; from EXO_ENDPOINT too', async () => {
    const config = { ...emptyConfig(), ...BASE };
    const text = await configureText(config, { EXO_ENDPOINT: `ht!tp://admin:${SECRET}@@[::zz` }, []);
    expect(text).toMatch(/`endpoint` setting \(\d+ characters, not shown: it may contain credentials\) is not a URL/);
    expect(text).toContain('EXO_ENDPOINT');
    expect(text).not.toContain(SECRET);
  });

  test('numeric and boolean settings refuse hostile text without echoing it', async () => {
    for (const [name, variable] of [
      ['max_concurrent_requests', 'EXO_MAX_CONCURRENT_REQUESTS'],
      ['managed_identity', 'EXO_MANAGED_IDENTITY'],
    ] as const) {
      const text = await configureText({ ...emptyConfig(), ...BASE }, { [variable]: `https://admin:${SECRET}@x` }, []);
      expect(text).toContain(name === 'max_concurrent_requests' ? 'max_concurrent_requests' : 'EXO_MANAGED_IDENTITY');
      expect(text).not.toContain(SECRET);
    }
  });
});
