/**
 * Terraform starts the provider several times per command, so only a provider configured with
 * bridge = "powershell" may load the PowerShell bridge, and node-powershell only when a session actually starts.
 * The mock factories record when a module is first required.
 */
const mockLoaded: string[] = [];
jest.mock('node-powershell', () => {
  mockLoaded.push('node-powershell');
  return jest.requireActual('node-powershell');
});
jest.mock('../../../src/bridge/powershell/create-powershell-bridge', () => {
  mockLoaded.push('powershell bridge');
  return jest.requireActual('../../../src/bridge/powershell/create-powershell-bridge');
});

import { startEmulator } from '../../../src/emulator';
import { createExoformProvider } from '../../../src/provider/provider';
import type { Logger } from '../../../src/protocol/logging';
import { join } from 'node:path';

// Not imported at the top: the harness itself loads the PowerShell bridge.
const STAND_IN = join(__dirname, '../../support/pwsh-stand-in/pwsh-stand-in.js');

const silent: Logger = { enabled: () => false, log: () => undefined };
const options = { signal: new AbortController().signal, terraformVersion: '1.9.0' };

test('the REST bridge loads neither the PowerShell bridge nor node-powershell', async () => {
  const provider = createExoformProvider(silent, {});
  const client = await provider.configure(
    { organization: 'contoso.onmicrosoft.com', access_token: 'x', endpoint: 'http://127.0.0.1:1' },
    options,
  );
  await provider.close?.(client);
  expect(mockLoaded).toEqual([]);
});

test('bridge = "powershell" loads the bridge at configure time, and node-powershell only with the first session', async () => {
  const emulator = await startEmulator({ token: 'lazy-test-token' });
  try {
    const provider = createExoformProvider(silent, {});
    const client = await provider.configure(
      {
        organization: 'contoso.onmicrosoft.com',
        access_token: emulator.token,
        endpoint: emulator.url,
        bridge: 'powershell',
        powershell_path: STAND_IN,
      },
      options,
    );
    expect(mockLoaded).toEqual(['powershell bridge']);
    expect((await client.bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    expect(mockLoaded).toEqual(['powershell bridge', 'node-powershell']);
    await provider.close?.(client);
  } finally {
    await emulator.close();
  }
});
