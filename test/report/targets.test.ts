/** Which Graph base and credentials the report uses per tenant, and how a fleet file's secrets are resolved. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphBaseUrl, targetFor, targetsFromFleetFile } from '../../src/report/targets';
import { tempDir } from '../emulator/helpers';

describe('graphBaseUrl', () => {
  it('derives the emulator from a loopback endpoint, else Graph; an explicit /graph base gets the tenant appended', () => {
    expect(graphBaseUrl({ organization: 'contoso.onmicrosoft.com', endpoint: 'http://127.0.0.1:8080' })).toBe(
      'http://127.0.0.1:8080/graph/contoso.onmicrosoft.com',
    );
    expect(graphBaseUrl({ organization: 'contoso.onmicrosoft.com' })).toBe('https://graph.microsoft.com');
    expect(graphBaseUrl({ organization: 'contoso.onmicrosoft.com', endpoint: 'https://outlook.office365.com' })).toBe(
      'https://graph.microsoft.com',
    );
    expect(graphBaseUrl({ organization: 'x.onmicrosoft.com', graphEndpoint: 'http://localhost:9/graph/' })).toBe(
      'http://localhost:9/graph/x.onmicrosoft.com',
    );
    expect(graphBaseUrl({ organization: 'x', graphEndpoint: 'https://graph.microsoft.us' })).toBe(
      'https://graph.microsoft.us',
    );
    expect(() => graphBaseUrl({ organization: 'x', graphEndpoint: 'http://graph.example.com' })).toThrow(/plain http/);
  });

  it('an Exchange access token alone gives no Graph evidence against a real tenant, and says why', () => {
    const graph = targetFor({ organization: 'contoso.onmicrosoft.com', accessToken: 'abc' }).graph();
    expect(graph).toEqual({ available: false, reason: expect.stringContaining('EXO_GRAPH_ACCESS_TOKEN') });
  });
});

describe('targetsFromFleetFile', () => {
  const dir = tempDir('exoform-report-targets-');
  afterAll(() => dir.remove());

  it('resolves secrets per tenant when read: a missing variable or an inline secret fails that tenant only', () => {
    const file = join(dir.path, 'fleet.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'defaults:',
        '  endpoint: http://127.0.0.1:9',
        'tenants:',
        '  - tenant: a.onmicrosoft.com',
        '    credentials: { accessToken: { env: TF_VAR_a } }',
        '  - tenant: b.onmicrosoft.com',
        '    name: bee',
        '    credentials: { accessToken: { env: TF_VAR_missing } }',
        '  - tenant: c.onmicrosoft.com',
        '    credentials: { accessToken: "pasted-token" }',
      ].join('\n'),
    );
    const [a, b, c] = targetsFromFleetFile(file, { TF_VAR_a: 'token-a' }, {});
    expect([a!.name, b!.name, c!.name]).toEqual(['a', 'bee', 'c']);
    expect(a!.bridge().organization).toBe('a.onmicrosoft.com');
    expect(() => b!.bridge()).toThrow(/TF_VAR_missing, which is not set/);
    expect(() => c!.bridge()).toThrow(/written inline; secrets are never accepted/);
  });
});
