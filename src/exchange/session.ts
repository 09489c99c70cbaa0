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

/** Runs a cmdlet; `select` names the row properties the caller reads (see InvokeOptions.select). */
export async function invoke(session: ExchangeSession, cmdlet: string, parameters: CmdletParameters = {}, select?: readonly string[]): Promise<Row[]> {
  const result = await session.bridge.invoke(cmdlet, parameters, select ? { signal: session.signal, select } : { signal: session.signal });
  for (const warning of result.warnings) session.warn?.(`${cmdlet}: ${warning}`);
  return result.rows;
}
