/**
 * The Exchange bridge: the one seam between resources and Exchange Online.
 *
 * Resources call `invoke(cmdlet, parameters)` and get rows back. Parameters are JSON values handed to the
 * transport as data (a JSON body for REST, an encoded payload for PowerShell) — never spliced into text.
 * The bridge knows nothing about Terraform.
 */

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
}

export interface ExchangeBridge {
  /** The tenant this bridge talks to: a domain such as `contoso.onmicrosoft.com` or a tenant id. */
  readonly organization: string;
  invoke(cmdlet: string, parameters: CmdletParameters, options?: InvokeOptions): Promise<CmdletResult>;
  /** Releases sessions and sockets. Safe to call twice. */
  close(): Promise<void>;
}
