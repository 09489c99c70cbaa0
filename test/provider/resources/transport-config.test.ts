/**
 * exchangeonline_transport_config's restore logic in process: what original_settings records for a tenant that never
 * set AllowLegacyTLSClients, what a restore asks for, and what Set-TransportConfig is then sent (JSON null for "not
 * set"). The real-terraform lifecycle is in test/acceptance/transport-config.test.ts.
 */
import type { CmdletParameters, CmdletResult, ExchangeBridge, Row } from '../../../src/bridge/bridge';
import {
  readTransportConfig,
  setTransportConfig,
  type TransportConfigSettings,
} from '../../../src/exchange/transport-config-operations';
import { changesNeeded, originalSettingsValue, restoreChanges } from '../../../src/provider/resources/transport-config';

/** A bridge that records what it is sent and answers Get-TransportConfig with the row given. */
class RecordingBridge implements ExchangeBridge {
  readonly organization = 'contoso.onmicrosoft.com';
  readonly calls: Array<{ cmdlet: string; parameters: CmdletParameters }> = [];
  constructor(private readonly row: Row) {}
  async invoke(cmdlet: string, parameters: CmdletParameters): Promise<CmdletResult> {
    this.calls.push({ cmdlet, parameters });
    return { rows: cmdlet === 'Get-TransportConfig' ? [this.row] : [], warnings: [] };
  }
  async close(): Promise<void> {}
}

const NOT_SET: TransportConfigSettings = {
  smtpClientAuthenticationDisabled: true,
  allowLegacyTlsClients: false,
  allowLegacyTlsClientsNotSet: true,
};
const EXPLICIT_FALSE: TransportConfigSettings = { ...NOT_SET, allowLegacyTlsClientsNotSet: false };
const EXPLICIT_TRUE: TransportConfigSettings = { ...EXPLICIT_FALSE, allowLegacyTlsClients: true };

describe('transport config: "not set" survives a restore', () => {
  test('original_settings records null for a tenant that never set AllowLegacyTLSClients, the value otherwise', async () => {
    const read = await readTransportConfig({
      bridge: new RecordingBridge({ SmtpClientAuthenticationDisabled: true, AllowLegacyTLSClients: null }),
    });
    expect(originalSettingsValue(read)).toEqual({
      smtp_client_authentication_disabled: true,
      allow_legacy_tls_clients: null,
    });
    expect(originalSettingsValue(EXPLICIT_FALSE)).toEqual({
      smtp_client_authentication_disabled: true,
      allow_legacy_tls_clients: false,
    });
    expect(originalSettingsValue(EXPLICIT_TRUE).allow_legacy_tls_clients).toBe(true);
  });

  test('a recorded null restores "not set"; a recorded false (states from before) still restores false', () => {
    expect(restoreChanges({ smtp_client_authentication_disabled: false, allow_legacy_tls_clients: null })).toEqual({
      smtpClientAuthenticationDisabled: false,
      allowLegacyTlsClients: null,
    });
    expect(restoreChanges({ smtp_client_authentication_disabled: true, allow_legacy_tls_clients: false })).toEqual({
      smtpClientAuthenticationDisabled: true,
      allowLegacyTlsClients: false,
    });
  });

  test('clearing is sent only to a tenant that holds an explicit value', () => {
    expect(changesNeeded({ allowLegacyTlsClients: null }, EXPLICIT_TRUE)).toEqual({ allowLegacyTlsClients: null });
    expect(changesNeeded({ allowLegacyTlsClients: null }, EXPLICIT_FALSE)).toEqual({ allowLegacyTlsClients: null });
    expect(changesNeeded({ allowLegacyTlsClients: null, smtpClientAuthenticationDisabled: true }, NOT_SET)).toEqual({});
    // Unchanged: a configuration (or an old state) saying false writes an explicit false over "not set".
    expect(changesNeeded({ allowLegacyTlsClients: false }, NOT_SET)).toEqual({ allowLegacyTlsClients: false });
    expect(changesNeeded({ allowLegacyTlsClients: false }, EXPLICIT_FALSE)).toEqual({});
  });

  test('Set-TransportConfig is sent AllowLegacyTLSClients: null, which goes on the wire as JSON null', async () => {
    const bridge = new RecordingBridge({});
    await setTransportConfig(
      { bridge },
      restoreChanges({
        smtp_client_authentication_disabled: null,
        allow_legacy_tls_clients: null,
      }),
    );
    expect(bridge.calls).toHaveLength(1);
    expect(bridge.calls[0]!.cmdlet).toBe('Set-TransportConfig');
    expect(bridge.calls[0]!.parameters).toEqual({ AllowLegacyTLSClients: null });
    expect(JSON.stringify(bridge.calls[0]!.parameters)).toBe('{"AllowLegacyTLSClients":null}');
  });
});
