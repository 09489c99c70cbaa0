/**
 * One operation's view of a tenant: the bridge, the cancellation signal, and where service warnings go
 * (they become Terraform warnings).
 */
import type { CmdletParameters, ExchangeBridge, Row } from '../bridge/bridge';

export interface ExchangeSession {
  readonly bridge: ExchangeBridge;
  readonly signal?: AbortSignal;
  warn?(message: string): void;
  /**
   * Sees the whole rows of every read made without `select` (the transport and organization config, authentication
   * policies): the December 2026 watch (watched-properties.ts) looks for properties exoform does not know there.
   */
  observe?(cmdlet: string, rows: readonly Row[]): void;
}

/** Runs a cmdlet; `select` names the row properties the caller reads (see InvokeOptions.select). */
export async function invoke(
  session: ExchangeSession,
  cmdlet: string,
  parameters: CmdletParameters = {},
  select?: readonly string[],
): Promise<Row[]> {
  const result = await session.bridge.invoke(
    cmdlet,
    parameters,
    select ? { signal: session.signal, select } : { signal: session.signal },
  );
  for (const warning of result.warnings) session.warn?.(`${cmdlet}: ${warning}`);
  if (!select) session.observe?.(cmdlet, result.rows);
  return result.rows;
}
