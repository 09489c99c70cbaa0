/**
 * A provider that uses a static token (or a PEM certificate) must never load MSAL or node-forge: they are large and
 * Terraform starts the provider process for every plan. The mock factories record when a module is first required.
 */
const mockLoaded: string[] = [];
jest.mock('@azure/msal-node', () => {
  mockLoaded.push('@azure/msal-node');
  return jest.requireActual('@azure/msal-node');
});
jest.mock('node-forge', () => {
  mockLoaded.push('node-forge');
  return jest.requireActual('node-forge');
});
// The proxy support is loaded only when HTTPS_PROXY / HTTP_PROXY is set.
jest.mock('../../../src/bridge/rest/proxy', () => {
  mockLoaded.push('proxy');
  return jest.requireActual('../../../src/bridge/rest/proxy');
});
for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete process.env[name];

import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRestBridge, loadCertificate } from '../../../src/bridge/rest/rest-exports';
import { createMsalClient } from '../../../src/bridge/rest/msal-client';
import { ExchangeTestServer, ok, script } from '../helpers/exchange-test-server';

describe('lazy loading', () => {
  it('loads neither MSAL, node-forge nor the proxy support for a static-token bridge without a proxy variable', async () => {
    const server = await ExchangeTestServer.start(script(ok()));
    const bridge = createRestBridge({
      organization: 'contoso.onmicrosoft.com',
      accessToken: 'token',
      endpoint: server.url,
    });
    try {
      await bridge.invoke('Get-TransportConfig', {});
    } finally {
      await bridge.close();
      await server.close();
    }
    // Building a certificate provider does not load anything either: the file is read on first use.
    createRestBridge({
      organization: 'contoso.onmicrosoft.com',
      clientId: '00000000-aaaa-4bbb-8ccc-111111111111',
      certificatePath: '/x.pfx',
    });
    expect(mockLoaded).toEqual([]);
  });

  it('loads node-forge for a PFX only, and MSAL when a client is created', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exoform-lazy-'));
    const pfx = join(dir, 'not-really.pfx');
    writeFileSync(pfx, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x03]));
    expect(() => loadCertificate(pfx, undefined)).toThrow();
    expect(mockLoaded).toEqual(['node-forge']);

    createMsalClient({
      auth: {
        clientId: '00000000-aaaa-4bbb-8ccc-111111111111',
        authority: 'https://login.microsoftonline.com/contoso.onmicrosoft.com',
        clientSecret: 'x',
      },
    });
    expect(mockLoaded).toEqual(['node-forge', '@azure/msal-node']);
  });
});
