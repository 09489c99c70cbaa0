/**
 * The Exchange bridge: the one seam between resources and Exchange Online.
 *
 * Resources call `invoke(cmdlet, parameters)` and get rows back. Parameters are JSON values handed to the
 * transport as data (a JSON body for REST, an encoded payload for PowerShell) — never spliced into text.
 * The bridge knows nothing about Terraform.
 */

import { CancelledError, isExchangeError, type ExchangeError } from './errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Cmdlet parameters by name. A `null` value is sent as `$null` (e.g. "inherit the org setting"). */
export type CmdletParameters = Readonly<Record<string, JsonValue>>;

/** One object a cmdlet returned, with its properties as Exchange names them (e.g. `SmtpClientAuthenticationDisabled`). */
export type Row = Record<string, JsonValue>;

export interface CmdletResult {
  rows: Row[];
  /** Warnings the service attached (`@adminapi.warnings`, PowerShell warning stream). Surfaced as Terraform warnings. */
  warnings: string[];
}

export interface InvokeOptions {
  /** Aborted when Terraform asks the provider to stop; in-flight calls and retry waits end promptly. */
  signal?: AbortSignal;
  /**
   * The row properties the caller reads. The REST bridge asks the service to trim the rows to them with
   * `?$select=A,B` on the InvokeCommand URL (as CIPP's New-ExoRequest and ExoHelper's Invoke-ExoCommand do), so a
   * 60,000-row read carries a few properties per row instead of every one. A bridge that cannot trim returns whole
   * rows; callers must not rely on other properties being absent. Names only: letters, digits and underscores.
   */
  select?: readonly string[];
  /**
   * Receives each page's rows as it arrives, so a caller can convert a 60,000-row read page by page instead of
   * holding every row at once. A bridge that honours it hands each row over once, here, and leaves them out of the
   * result; a bridge that does not returns them in the result as usual, so callers take rows from both.
   */
  onRows?: (rows: Row[]) => void;
  /**
   * Called once, when the call's first request has been handed to the network (a read started ahead of need lets it
   * get there before the caller goes on with other work). Optional for bridges: callers must not wait on it alone.
   */
  onSent?: () => void;
}

/**
 * Cmdlets per `$batch` request (and so per permit of ConcurrencyLimitedBridge): 10, as the one public client of the
 * endpoint sends, the service's practical limit with continue-on-error.
 */
export const BATCH_LIMIT = 10;

/** One cmdlet call in a batch. */
export interface CmdletRequest {
  cmdlet: string;
  parameters: CmdletParameters;
}

export interface ExchangeBridge {
  /** The tenant this bridge talks to: a domain such as `contoso.onmicrosoft.com` or a tenant id. */
  readonly organization: string;
  invoke(cmdlet: string, parameters: CmdletParameters, options?: InvokeOptions): Promise<CmdletResult>;
  /**
   * Optional: runs independent cmdlets in fewer round trips. The result array is parallel to `requests`; each item is
   * the cmdlet's result or the typed error it failed with (one failure does not fail the others). Only cancellation
   * rejects the whole call. Bridges without a batch transport leave it out; callers fall back to `invoke` per item.
   */
  invokeBatch?(
    requests: readonly CmdletRequest[],
    options?: InvokeOptions,
  ): Promise<Array<CmdletResult | ExchangeError>>;
  /**
   * True when cancelling a call costs little (an HTTP request), so a read may be started before it is known to be
   * needed (MailboxDirectory.prefetch). Cancelling a PowerShell call kills its session, which takes seconds to replace.
   */
  readonly cancelsCheaply?: boolean;
  /** Releases sessions and sockets. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The fallback for a bridge without `invokeBatch`: each request through `invoke`, one after another, with the same
 * result shape (parallel to `requests`; a typed error stands in for an item that failed). Cancellation and errors
 * that are not ExchangeErrors reject the whole call.
 */
export async function invokeEach(
  bridge: ExchangeBridge,
  requests: readonly CmdletRequest[],
  options?: InvokeOptions,
): Promise<Array<CmdletResult | ExchangeError>> {
  const results: Array<CmdletResult | ExchangeError> = [];
  for (const request of requests) {
    try {
      results.push(await bridge.invoke(request.cmdlet, request.parameters, options));
    } catch (error) {
      if (!isExchangeError(error) || error instanceof CancelledError) throw error;
      results.push(error);
    }
  }
  return results;
}
