/**
 * The PowerShell implementation of the Exchange bridge. Importing this does not load node-powershell: it is
 * required when the first session starts.
 */

export { PowerShellBridge, DEFAULT_SESSION_TIMEOUTS, type PowerShellBridgeOptions } from './powershell-bridge';
export { createPowerShellBridge, type PowerShellBridgeRuntimeOptions } from './create-powershell-bridge';
export { resolvePowerShellConnection, type PowerShellBridgeSettings, type PowerShellConnection } from './connection';
export {
  bootstrapScript,
  callScript,
  connectScript,
  DISCONNECT_SCRIPT,
  EXIT_SCRIPT,
  encodePayload,
  readScriptOutput,
  RESULT_MARKER,
  SECRET_ENVIRONMENT,
  SESSION_FUNCTIONS,
  SESSION_PROTOCOL_VERSION,
  type ConnectPayload,
  type PowerShellErrorInfo,
  type ScriptResult,
} from './session-script';
export { errorFromPowerShell, needsReconnect, type AuthenticationKind } from './error-mapping';
export { startNodePowerShell, type ShellProcess, type ShellStarter, type ShellStartOptions } from './shell';
export type { SessionTimeouts } from './powershell-session';
