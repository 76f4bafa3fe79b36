# Smoke-test a built or installed Loquent Desktop on Windows: `--self-test` must pass every check
# with keyring's Windows Credential Manager backend, then `--sandbox --screenshot` must save the
# window. The exe is windowed (no console), so the self-test writes its lines to a report file.
#
#   packaging\windows\smoke_test.ps1 -Exe <path\loquent-desktop.exe> -Screenshot <shot.png>
param(
    [Parameter(Mandatory = $true)][string]$Exe,
    [Parameter(Mandatory = $true)][string]$Screenshot
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Report = Join-Path ([System.IO.Path]::GetTempPath()) "loquent-self-test-$PID.txt"
Remove-Item $Report, $Screenshot -ErrorAction SilentlyContinue
Write-Host "==> $Exe --self-test"
# A windowed exe returns at once from the shell; Start-Process -Wait waits for the exit code.
$p = Start-Process -FilePath $Exe -ArgumentList @("--self-test", "`"$Report`"") -Wait -PassThru
if (Test-Path $Report) { Get-Content $Report | Write-Host } else { throw "self-test wrote no report at $Report" }
if ($p.ExitCode -ne 0) { throw "self-test failed: exit code $($p.ExitCode)" }
if (-not (Select-String -Path $Report -Pattern '^PASS  keychain .*keyring\.backends\.Windows\.WinVaultKeyring' -Quiet)) {
    throw "self-test: the keychain check did not use Windows Credential Manager"
}
Remove-Item $Report

Write-Host "==> $Exe --sandbox --screenshot $Screenshot"
$p = Start-Process -FilePath $Exe -ArgumentList @("--sandbox", "--screenshot", "`"$Screenshot`"") -Wait -PassThru
if ($p.ExitCode -ne 0) { throw "smoke test: exit code $($p.ExitCode)" }
if (-not (Test-Path $Screenshot) -or (Get-Item $Screenshot).Length -eq 0) { throw "smoke test: no screenshot at $Screenshot" }
Write-Host "==> smoke test passed: $Screenshot"
