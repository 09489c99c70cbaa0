/**
 * Terraform starts the provider 2-4 times per command: the Microsoft Graph code (client, token choice, evidence)
 * loads only when the readiness data source reads, never when the provider starts or is configured.
 */
const mockLoaded: string[] = [];
for (const module of ['graph-auth', 'graph-client', 'smtp-evidence', 'tenant-evidence']) {
  jest.mock(`../../src/graph/${module}`, () => {
    mockLoaded.push(module);
    return jest.requireActual(`../../src/graph/${module}`);
  });
}

import { createExoformProvider, PROVIDER_ENVIRONMENT } from '../../src/provider/provider';
import { readGraphEvidence } from '../../src/provider/data-sources/smtp-auth-readiness';
import { createLogger } from '../../src/protocol/logging';
import type { ObjectValue } from '../../src/provider/framework/values';

it('no Graph module loads at provider start-up or configure; the data source loads them when it reads', async () => {
  const provider = createExoformProvider(
    createLogger('error', () => undefined),
    {},
  );
  const config: ObjectValue = Object.fromEntries(Object.keys(PROVIDER_ENVIRONMENT).map((name) => [name, null]));
  const client = await provider.configure(
    { ...config, organization: 'contoso.onmicrosoft.com', access_token: 'exchange-token' },
    { signal: new AbortController().signal, terraformVersion: '1.11.4' },
  );
  expect(mockLoaded).toEqual([]);
  const read = await readGraphEvidence(client); // only an Exchange token: nothing is called
  expect(read.client).toBe(false);
  expect(mockLoaded).toEqual(expect.arrayContaining(['graph-auth', 'tenant-evidence']));
});
