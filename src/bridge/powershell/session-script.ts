/**
 * Every script the PowerShell bridge sends to pwsh, and the reading of what comes back.
 *
 * There are exactly five shapes (the pwsh stand-in in test/support/pwsh-stand-in accepts these and nothing else):
 *
 *   1. bootstrap, once per session:  . ([scriptblock]::Create([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('<base64 of SESSION_FUNCTIONS>'))))
 *   2. connect:                      Connect-ExoformSession '<base64 of JSON>'
 *   3. cmdlet call:                  Invoke-ExoformCall '<base64 of JSON>'
 *   4. disconnect:                   Disconnect-ExoformSession
 *   5. exit:                         exit
 *
 * No value is ever spliced into script text: values travel as base64 (alphabet A-Z a-z 0-9 + / =, inside single
 * quotes, so nothing can end the string or start an expression) and are decoded inside the session with
 * System.Text.Json, never parsed as PowerShell. The bootstrap is the bridge's own constant code, not data.
 * node-powershell's template conversion is never used: it wraps strings in double quotes, where `$(...)` runs.
 *
 * Every script is one line: `pwsh -Command -` reads standard input line by line, and a multi-line statement would
 * need a blank line to end it.
 *
 * Results come back as one stdout line, `EXOFORM-RESULT:<base64 of UTF-8 JSON>`, so the console encoding, line
 * wrapping or anything else the module prints cannot corrupt them.
 */

import type { CmdletParameters, JsonValue, Row } from '../bridge';
import { ServiceBugError } from '../errors';

export const RESULT_MARKER = 'EXOFORM-RESULT:';

/** Raised when the protocol between the bridge and the session functions changes incompatibly. */
export const SESSION_PROTOCOL_VERSION = 1;

/** Oldest ExchangeOnlineManagement with everything the session uses (-AccessToken arrived in 3.1.0). */
export const MINIMUM_MODULE_VERSION = '3.1.0';

/** Environment variables that carry secrets into the pwsh process. Scripts name them; they never contain the values. */
export const SECRET_ENVIRONMENT = {
  accessToken: 'EXOFORM_ACCESS_TOKEN',
  certificatePassword: 'EXOFORM_CERTIFICATE_PASSWORD',
} as const;

/**
 * The PowerShell functions every session defines. PowerShell 7 only (System.Text.Json, ConvertTo-Json -Compress
 * semantics, ExchangeOnlineManagement 3.x). Written for reading: it is sent base64-encoded, so its formatting costs
 * nothing on the wire. Changing it changes the golden file test/bridge/powershell/golden/session-functions.ps1 and
 * the hash the stand-in pins, on purpose.
 */
export const SESSION_FUNCTIONS = String.raw`# exoform PowerShell bridge: the session functions (protocol ${SESSION_PROTOCOL_VERSION}).
# Values arrive as base64-encoded UTF-8 JSON and are decoded as data: no value is ever part of script text.
# Results leave as one stdout line: ${RESULT_MARKER}<base64 of UTF-8 JSON>.
# Secrets arrive in environment variables (${SECRET_ENVIRONMENT.accessToken}, ${SECRET_ENVIRONMENT.certificatePassword}), never in a script.

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'
Set-StrictMode -Off

try {
    if ($PSVersionTable.PSVersion.Major -lt 7) { throw [System.NotSupportedException]::new('exoform needs PowerShell 7 or later; this is ' + $PSVersionTable.PSVersion.ToString() + '.') }
    Add-Type -AssemblyName System.Text.Json
} catch {
    [Console]::Out.WriteLine('${RESULT_MARKER}' + [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -Compress -InputObject @{ ok = $false; warnings = @(); error = @{ stage = 'bootstrap'; type = $_.Exception.GetType().FullName; message = $_.Exception.Message } }))))
    return
}

function global:Write-ExoformResult {
    param($Result)
    $json = ConvertTo-Json -InputObject $Result -Depth 32 -Compress
    [Console]::Out.WriteLine('${RESULT_MARKER}' + [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($json)))
}

function global:ConvertFrom-ExoformJsonElement {
    param([System.Text.Json.JsonElement] $Element)
    switch ($Element.ValueKind.ToString()) {
        'Object' {
            $table = [ordered]@{}
            foreach ($property in $Element.EnumerateObject()) { $table[$property.Name] = ConvertFrom-ExoformJsonElement $property.Value }
            return $table
        }
        'Array' {
            $items = [System.Collections.Generic.List[object]]::new()
            foreach ($item in $Element.EnumerateArray()) { $items.Add((ConvertFrom-ExoformJsonElement $item)) }
            return ,$items.ToArray()
        }
        'String' { return $Element.GetString() }
        'Number' {
            $integer = [long] 0
            if ($Element.TryGetInt64([ref] $integer)) { return $integer }
            return $Element.GetDouble()
        }
        'True' { return $true }
        'False' { return $false }
        default { return $null }
    }
}

# System.Text.Json, not ConvertFrom-Json: ConvertFrom-Json turns strings that look like dates into DateTime values.
function global:Read-ExoformPayload {
    param([string] $Payload)
    $json = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($Payload))
    $document = [System.Text.Json.JsonDocument]::Parse($json, [System.Text.Json.JsonDocumentOptions]::new())
    try { return ConvertFrom-ExoformJsonElement $document.RootElement } finally { $document.Dispose() }
}

# Output values as the REST endpoint renders them: JSON scalars, arrays, objects; everything else as its text.
function global:ConvertTo-ExoformValue {
    param($Value, [int] $Depth)
    if ($null -eq $Value) { return $null }
    if ($Value -is [string]) { return [string] $Value }
    if ($Value -is [bool]) { return [bool] $Value }
    if ($Value -is [datetime]) { return ([datetime] $Value).ToString('o', [System.Globalization.CultureInfo]::InvariantCulture) }
    if ($Value -is [datetimeoffset]) { return ([datetimeoffset] $Value).ToString('o', [System.Globalization.CultureInfo]::InvariantCulture) }
    if ($Value -is [enum] -or $Value -is [char] -or $Value -is [guid] -or $Value -is [timespan]) { return $Value.ToString() }
    if ($Value -is [byte] -or $Value -is [sbyte] -or $Value -is [int16] -or $Value -is [uint16] -or $Value -is [int] -or $Value -is [uint32] -or $Value -is [long]) { return [long] $Value }
    if ($Value -is [uint64] -or $Value -is [single] -or $Value -is [double] -or $Value -is [decimal]) { return [double] $Value }
    if ($Depth -ge 6) { return $Value.ToString() }
    if ($Value -is [System.Collections.IDictionary]) {
        $table = [ordered]@{}
        foreach ($key in $Value.Keys) { $table[[string] $key] = ConvertTo-ExoformValue $Value[$key] ($Depth + 1) }
        return $table
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $items = [System.Collections.Generic.List[object]]::new()
        foreach ($item in $Value) { $items.Add((ConvertTo-ExoformValue $item ($Depth + 1))) }
        return ,$items.ToArray()
    }
    if ($Value.PSObject.BaseObject -is [System.Management.Automation.PSCustomObject]) {
        $table = [ordered]@{}
        foreach ($property in $Value.PSObject.Properties) { $table[$property.Name] = ConvertTo-ExoformValue $property.Value ($Depth + 1) }
        return $table
    }
    return $Value.ToString()
}

function global:ConvertTo-ExoformRow {
    param($Object)
    if ($Object -is [System.Collections.IDictionary]) { return ConvertTo-ExoformValue $Object 0 }
    if ($Object -is [string] -or $Object -is [valuetype]) { return [ordered]@{ Value = (ConvertTo-ExoformValue $Object 1) } }
    $row = [ordered]@{}
    foreach ($property in $Object.PSObject.Properties) {
        if ($property.MemberType -ne 'NoteProperty' -and $property.MemberType -ne 'Property') { continue }
        $value = $null
        try { $value = $property.Value } catch { $value = $null }
        $row[$property.Name] = ConvertTo-ExoformValue $value 1
    }
    return $row
}

# What the bridge needs to classify a failure: type names, the message, and the HTTP status when the exception has one.
function global:Get-ExoformErrorInfo {
    param($Record, [string] $Stage)
    $exception = $Record.Exception
    $status = $null
    $retryAfterSeconds = $null
    $inner = [System.Collections.Generic.List[string]]::new()
    for ($current = $exception; $null -ne $current; $current = $current.InnerException) {
        if ($current -ne $exception -and $inner.Count -lt 5) { $inner.Add($current.GetType().FullName + ': ' + $current.Message) }
        try { if ($null -eq $status -and $null -ne $current.StatusCode) { $status = [int] $current.StatusCode } } catch { }
        try { if ($null -eq $status -and $null -ne $current.Response -and $null -ne $current.Response.StatusCode) { $status = [int] $current.Response.StatusCode } } catch { }
        try { if ($null -eq $retryAfterSeconds -and $null -ne $current.Response.Headers.RetryAfter.Delta) { $retryAfterSeconds = $current.Response.Headers.RetryAfter.Delta.TotalSeconds } } catch { }
    }
    $details = ''
    if ($null -ne $Record.ErrorDetails) { $details = [string] $Record.ErrorDetails.Message }
    return [ordered]@{
        stage = $Stage
        type = $exception.GetType().FullName
        message = [string] $exception.Message
        reason = [string] $Record.CategoryInfo.Reason
        category = [string] $Record.CategoryInfo.Category
        errorId = [string] $Record.FullyQualifiedErrorId
        details = $details
        inner = $inner.ToArray()
        status = $status
        retryAfterSeconds = $retryAfterSeconds
    }
}

# An Exchange Online command is one of the session's proxy functions (module tmpEXO_*), the module itself, or a
# cmdlet whose assembly or module lives under the ExchangeOnlineManagement module's directory: the Get-EXO* cmdlets
# come from its REST client assembly, whose reported ModuleName is not documented, so the path decides, not a name.
function global:Test-ExoformModuleCommand {
    param($Command)
    if ($Command.ModuleName -like 'tmpEXO_*' -or $Command.ModuleName -eq 'ExchangeOnlineManagement') { return $true }
    $module = Get-Module -Name ExchangeOnlineManagement | Select-Object -First 1
    if ($null -eq $module -or [string]::IsNullOrEmpty($module.ModuleBase)) { return $false }
    $separators = [char[]] @([System.IO.Path]::DirectorySeparatorChar, [System.IO.Path]::AltDirectorySeparatorChar)
    $root = [System.IO.Path]::GetFullPath($module.ModuleBase).TrimEnd($separators) + [System.IO.Path]::DirectorySeparatorChar
    $comparison = if ($IsWindows -or $IsMacOS) { [System.StringComparison]::OrdinalIgnoreCase } else { [System.StringComparison]::Ordinal }
    $paths = @()
    if ($Command -is [System.Management.Automation.CmdletInfo] -and -not [string]::IsNullOrEmpty($Command.DLL)) { $paths += $Command.DLL }
    if ($null -ne $Command.Module -and -not [string]::IsNullOrEmpty($Command.Module.ModuleBase)) { $paths += ($Command.Module.ModuleBase.TrimEnd($separators) + [System.IO.Path]::DirectorySeparatorChar) }
    foreach ($path in $paths) {
        if ([System.IO.Path]::GetFullPath($path).StartsWith($root, $comparison)) { return $true }
    }
    return $false
}

function global:Connect-ExoformSession {
    param([string] $Payload)
    $stage = 'decode'
    $warnings = [System.Collections.Generic.List[string]]::new()
    try {
        $request = Read-ExoformPayload $Payload
        $stage = 'import'
        if (-not (Get-Module -Name ExchangeOnlineManagement)) {
            Import-Module -Name ExchangeOnlineManagement -MinimumVersion '${MINIMUM_MODULE_VERSION}' -ErrorAction Stop -WarningAction SilentlyContinue
        }
        $stage = 'connect'
        $parameters = @{ ShowBanner = $false; ErrorAction = 'Stop' }
        foreach ($name in 'Organization', 'AppId', 'CertificateFilePath', 'UserPrincipalName', 'ManagedIdentityAccountId', 'ConnectionUri', 'AzureADAuthorizationEndpointUri', 'ExchangeEnvironmentName') {
            if ($request.Contains($name)) { $parameters[$name] = [string] $request[$name] }
        }
        if ($request['ManagedIdentity'] -eq $true) { $parameters['ManagedIdentity'] = $true }
        if ($request['AccessTokenFromEnvironment'] -eq $true) {
            if ($null -eq $global:ExoformAccessToken) {
                $global:ExoformAccessToken = [string] $env:${SECRET_ENVIRONMENT.accessToken}
                Remove-Item -Path 'Env:${SECRET_ENVIRONMENT.accessToken}' -ErrorAction SilentlyContinue
            }
            $parameters['AccessToken'] = $global:ExoformAccessToken
        }
        if ($request['CertificatePasswordFromEnvironment'] -eq $true) {
            if ($null -eq $global:ExoformCertificatePassword) {
                $global:ExoformCertificatePassword = ConvertTo-SecureString -String ([string] $env:${SECRET_ENVIRONMENT.certificatePassword}) -AsPlainText -Force
                Remove-Item -Path 'Env:${SECRET_ENVIRONMENT.certificatePassword}' -ErrorAction SilentlyContinue
            }
            $parameters['CertificatePassword'] = $global:ExoformCertificatePassword
        }
        Connect-ExchangeOnline @parameters 3>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.WarningRecord]) { $warnings.Add($_.Message) }
        }
        $global:ExoformConnected = $true
        Write-ExoformResult ([ordered]@{ ok = $true; rows = @(); warnings = $warnings.ToArray() })
    } catch {
        $global:ExoformConnected = $false
        Write-ExoformResult ([ordered]@{ ok = $false; error = (Get-ExoformErrorInfo $_ $stage); warnings = $warnings.ToArray() })
    }
}

function global:Invoke-ExoformCall {
    param([string] $Payload)
    $stage = 'decode'
    $warnings = [System.Collections.Generic.List[string]]::new()
    try {
        $request = Read-ExoformPayload $Payload
        $name = [string] $request['Cmdlet']
        if ($name -cnotmatch '^[A-Za-z]+-[A-Za-z0-9]+$') { throw [System.ArgumentException]::new('The cmdlet name in the payload is not of the form Verb-Noun.') }
        $stage = 'session'
        if (-not $global:ExoformConnected -or -not (Get-ConnectionInformation | Where-Object { [string] $_.State -eq 'Connected' })) {
            Write-ExoformResult ([ordered]@{ ok = $false; error = [ordered]@{ stage = 'session'; type = 'ExoformNotConnected'; message = 'The Exchange Online session is not connected.' }; warnings = @() })
            return
        }
        $stage = 'resolve'
        $command = Get-Command -Name $name -CommandType Cmdlet, Function -ErrorAction Stop
        if (-not (Test-ExoformModuleCommand $command)) {
            throw [System.InvalidOperationException]::new(('exoform runs Exchange Online cmdlets only; {0} comes from module "{1}".' -f $name, $command.ModuleName))
        }
        $parameters = $request['Parameters']
        if ($null -eq $parameters) { $parameters = [ordered]@{} }
        $parameters['ErrorAction'] = 'Stop'
        $parameters['WarningAction'] = 'Continue'
        if ($command.Parameters.ContainsKey('Confirm') -and -not $parameters.Contains('Confirm')) { $parameters['Confirm'] = $false }
        $stage = 'invoke'
        $rows = [System.Collections.Generic.List[object]]::new()
        & $command @parameters 3>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.WarningRecord]) { $warnings.Add($_.Message) } else { $rows.Add((ConvertTo-ExoformRow $_)) }
        }
        Write-ExoformResult ([ordered]@{ ok = $true; rows = $rows.ToArray(); warnings = $warnings.ToArray() })
    } catch {
        Write-ExoformResult ([ordered]@{ ok = $false; error = (Get-ExoformErrorInfo $_ $stage); warnings = $warnings.ToArray() })
    }
}

function global:Disconnect-ExoformSession {
    try {
        if ($global:ExoformConnected) { Disconnect-ExchangeOnline -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue | Out-Null }
        $global:ExoformConnected = $false
        Write-ExoformResult ([ordered]@{ ok = $true; rows = @(); warnings = @() })
    } catch {
        $global:ExoformConnected = $false
        Write-ExoformResult ([ordered]@{ ok = $false; error = (Get-ExoformErrorInfo $_ 'disconnect'); warnings = @() })
    }
}

$global:ExoformConnected = $false
Write-ExoformResult ([ordered]@{ ok = $true; rows = @([ordered]@{ PSVersion = $PSVersionTable.PSVersion.ToString(); Protocol = ${SESSION_PROTOCOL_VERSION} }); warnings = @() })
`;

/** base64 of the UTF-8 JSON of `value`: the only form in which any value enters a script. */
export function encodePayload(value: JsonValue): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** Shape 1: defines the session functions. Contains no value, only the bridge's own code. */
export function bootstrapScript(): string {
  return `. ([scriptblock]::Create([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${Buffer.from(SESSION_FUNCTIONS, 'utf8').toString('base64')}'))))`;
}

/**
 * What Connect-ExoformSession receives. Secrets are not in it: the flags say which environment variable to read.
 * Keys are the Connect-ExchangeOnline parameter names.
 */
export interface ConnectPayload {
  Organization?: string;
  AppId?: string;
  CertificateFilePath?: string;
  CertificatePasswordFromEnvironment?: true;
  AccessTokenFromEnvironment?: true;
  ManagedIdentity?: true;
  ManagedIdentityAccountId?: string;
  UserPrincipalName?: string;
  ConnectionUri?: string;
  /** Only with ConnectionUri, outside the worldwide cloud: the cloud's Entra ID authority. */
  AzureADAuthorizationEndpointUri?: string;
  ExchangeEnvironmentName?: string;
}

/** Shape 2. */
export function connectScript(payload: ConnectPayload): string {
  return `Connect-ExoformSession '${encodePayload(payload as unknown as JsonValue)}'`;
}

/** Shape 3. The cmdlet name is data too: it is checked here, checked again in the session, and never parsed as code. */
export function callScript(cmdlet: string, parameters: CmdletParameters): string {
  return `Invoke-ExoformCall '${encodePayload({ Cmdlet: cmdlet, Parameters: parameters })}'`;
}

/** Shape 4. */
export const DISCONNECT_SCRIPT = 'Disconnect-ExoformSession';
/** Shape 5. */
export const EXIT_SCRIPT = 'exit';

/** What Get-ExoformErrorInfo reports about a PowerShell error record. */
export interface PowerShellErrorInfo {
  /** decode | import | connect | session | resolve | invoke | disconnect | bootstrap */
  stage: string;
  /** Exception type full name, or `ExoformNotConnected`. */
  type: string;
  message: string;
  /** CategoryInfo.Reason: usually the short exception name. */
  reason?: string;
  category?: string;
  /** FullyQualifiedErrorId. */
  errorId?: string;
  /** ErrorDetails.Message. */
  details?: string;
  /** "Type: message" of inner exceptions. */
  inner?: string[];
  /** HTTP status when an exception in the chain carried one. */
  status?: number | null;
  retryAfterSeconds?: number | null;
}

export type ScriptResult =
  | { ok: true; rows: Row[]; warnings: string[] }
  | { ok: false; error: PowerShellErrorInfo; warnings: string[] };

export interface ScriptOutput {
  /** The result line, when the script printed one. */
  result?: ScriptResult;
  /** Everything else printed on stdout (module banners, host output), for the debug log. */
  otherLines: string[];
}

/** Finds and decodes the result line among whatever else the session printed. */
export function readScriptOutput(stdout: string, what: string): ScriptOutput {
  const otherLines: string[] = [];
  let encoded: string | undefined;
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith(RESULT_MARKER)) encoded = line.slice(RESULT_MARKER.length);
    else if (line !== '') otherLines.push(line);
  }
  if (encoded === undefined) return { otherLines };
  return { result: decodeResult(encoded, what), otherLines };
}

function decodeResult(encoded: string, what: string): ScriptResult {
  const malformed = (problem: string): ServiceBugError =>
    new ServiceBugError(
      `The PowerShell session answered ${what} with a malformed result (${problem}).`,
      "Check that nothing in the PowerShell profile or module path replaces exoform's session functions; report it if it persists.",
      what,
    );
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw malformed('not base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw malformed('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('not an object');
  const envelope = parsed as { ok?: unknown; rows?: unknown; warnings?: unknown; error?: unknown };
  const warnings = toStringList(envelope.warnings);
  if (envelope.ok === true) {
    const rows =
      envelope.rows === undefined || envelope.rows === null
        ? []
        : Array.isArray(envelope.rows)
          ? envelope.rows
          : [envelope.rows];
    if (!rows.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row)))
      throw malformed('a row is not an object');
    return { ok: true, rows: rows as Row[], warnings };
  }
  if (envelope.ok === false && typeof envelope.error === 'object' && envelope.error !== null) {
    const error = envelope.error as Record<string, unknown>;
    const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
    const number = (value: unknown): number | undefined =>
      typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    return {
      ok: false,
      warnings,
      error: {
        stage: text(error.stage) ?? 'unknown',
        type: text(error.type) ?? 'System.Exception',
        message: text(error.message) ?? '',
        reason: text(error.reason),
        category: text(error.category),
        errorId: text(error.errorId),
        details: text(error.details),
        inner: toStringList(error.inner),
        status: number(error.status),
        retryAfterSeconds: number(error.retryAfterSeconds),
      },
    };
  }
  throw malformed('no `ok`');
}

function toStringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list
    .filter((item) => item !== null && item !== undefined)
    .map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
}
