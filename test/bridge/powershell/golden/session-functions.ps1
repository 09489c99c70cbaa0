# exoform PowerShell bridge: the session functions (protocol 1).
# Values arrive as base64-encoded UTF-8 JSON and are decoded as data: no value is ever part of script text.
# Results leave as one stdout line: EXOFORM-RESULT:<base64 of UTF-8 JSON>.
# Secrets arrive in environment variables (EXOFORM_ACCESS_TOKEN, EXOFORM_CERTIFICATE_PASSWORD), never in a script.

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'
Set-StrictMode -Off

try {
    if ($PSVersionTable.PSVersion.Major -lt 7) { throw [System.NotSupportedException]::new('exoform needs PowerShell 7 or later; this is ' + $PSVersionTable.PSVersion.ToString() + '.') }
    Add-Type -AssemblyName System.Text.Json
} catch {
    [Console]::Out.WriteLine('EXOFORM-RESULT:' + [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -Compress -InputObject @{ ok = $false; warnings = @(); error = @{ stage = 'bootstrap'; type = $_.Exception.GetType().FullName; message = $_.Exception.Message } }))))
    return
}

function global:Write-ExoformResult {
    param($Result)
    $json = ConvertTo-Json -InputObject $Result -Depth 32 -Compress
    [Console]::Out.WriteLine('EXOFORM-RESULT:' + [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($json)))
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
            Import-Module -Name ExchangeOnlineManagement -MinimumVersion '3.1.0' -ErrorAction Stop -WarningAction SilentlyContinue
        }
        $stage = 'connect'
        $parameters = @{ ShowBanner = $false; ErrorAction = 'Stop' }
        foreach ($name in 'Organization', 'AppId', 'CertificateFilePath', 'UserPrincipalName', 'ManagedIdentityAccountId', 'ConnectionUri', 'AzureADAuthorizationEndpointUri', 'ExchangeEnvironmentName') {
            if ($request.Contains($name)) { $parameters[$name] = [string] $request[$name] }
        }
        if ($request['ManagedIdentity'] -eq $true) { $parameters['ManagedIdentity'] = $true }
        if ($request['AccessTokenFromEnvironment'] -eq $true) {
            if ($null -eq $global:ExoformAccessToken) {
                $global:ExoformAccessToken = [string] $env:EXOFORM_ACCESS_TOKEN
                Remove-Item -Path 'Env:EXOFORM_ACCESS_TOKEN' -ErrorAction SilentlyContinue
            }
            $parameters['AccessToken'] = $global:ExoformAccessToken
        }
        if ($request['CertificatePasswordFromEnvironment'] -eq $true) {
            if ($null -eq $global:ExoformCertificatePassword) {
                $global:ExoformCertificatePassword = ConvertTo-SecureString -String ([string] $env:EXOFORM_CERTIFICATE_PASSWORD) -AsPlainText -Force
                Remove-Item -Path 'Env:EXOFORM_CERTIFICATE_PASSWORD' -ErrorAction SilentlyContinue
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
Write-ExoformResult ([ordered]@{ ok = $true; rows = @([ordered]@{ PSVersion = $PSVersionTable.PSVersion.ToString(); Protocol = 1 }); warnings = @() })
