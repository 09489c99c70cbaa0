/**
 * One operation's view of a tenant: the bridge, the cancellation signal, and where service warnings go
 * (they become Terraform warnings).
 */
import type { CmdletParameters, ExchangeBridge, Row } from '../bridge/bridge';

export interface ExchangeSession {
  readonly bridge: ExchangeBridge;
  readonly signal?: AbortSignal;
  warn?(message: string): void;
}

export async function invoke(session: ExchangeSession, cmdlet: string, parameters: CmdletParameters = {}): Promise<Row[]> {
  const result = await session.bridge.invoke(cmdlet, parameters, { signal: session.signal });
  for (const warning of result.warnings) session.warn?.(`${cmdlet}: ${warning}`);
  return result.rows;
}
