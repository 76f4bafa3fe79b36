# Build the Windows installer: PyInstaller one-folder build, then an Inno Setup per-user
# installer, then a smoke test of the build (sandbox + screenshot, must exit 0).
#
#   powershell -ExecutionPolicy Bypass -File packaging\build_windows.ps1
#
# Needs: Python 3.11+ (py launcher or python on PATH) and Inno Setup 6 (ISCC.exe; on CI:
# `choco install innosetup`). Environment:
#   PYTHON            interpreter for the throw-away build venv (default: py -3.11, else python)
#   SKIP_SMOKE=1      build only
#   SIGN_COMMAND      optional signtool command line run on the exe and the installer, e.g.
#                     'signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a'
#                     (unset: the files are left unsigned; nothing is faked)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = Resolve-Path (Join-Path $PSScriptRoot "..")
Set-Location $Root
$Build = Join-Path $Root "build"
$Dist = Join-Path $Root "dist"
$Version = (Select-String -Path "loquent_desktop\__init__.py" -Pattern '^__version__ = "(.+)"').Matches[0].Groups[1].Value

function Invoke-Checked {
    # PowerShell does not stop on a failing native command by itself.
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# A venv of its own so that the frozen app holds exactly the pinned runtime dependencies.
$Venv = Join-Path $Build "venv"
$Py = Join-Path $Venv "Scripts\python.exe"
if (-not (Test-Path $Py)) {
    if ($env:PYTHON) { Invoke-Checked $env:PYTHON @("-m", "venv", $Venv) }
    elseif (Get-Command py -ErrorAction SilentlyContinue) { Invoke-Checked "py" @("-3.11", "-m", "venv", $Venv) }
    else { Invoke-Checked "python" @("-m", "venv", $Venv) }
}
Invoke-Checked $Py @("-m", "pip", "install", "-q", ".[postgres,package]")

Write-Host "==> PyInstaller"
Remove-Item -Recurse -Force (Join-Path $Dist "loquent-desktop") -ErrorAction SilentlyContinue
Invoke-Checked $Py @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", $Dist, "--workpath", (Join-Path $Build "pyinstaller"), "packaging\loquent_desktop.spec")
$Exe = Join-Path $Dist "loquent-desktop\loquent-desktop.exe"

if ($env:SIGN_COMMAND) {
    Write-Host "==> Signing the executable"
    Invoke-Expression "$env:SIGN_COMMAND `"$Exe`""
    if ($LASTEXITCODE -ne 0) { throw "signing failed" }
}

Write-Host "==> Inno Setup"
$Iscc = (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found (choco install innosetup)" }
Invoke-Checked $Iscc @("/Qp", "/DAppVersion=$Version", "/DSourceDir=$Dist\loquent-desktop",
    "/DRootDir=$Root", "/O$Dist", "packaging\windows\loquent-desktop.iss")
$Setup = Join-Path $Dist "loquent-desktop-$Version-windows-setup.exe"
if ($env:SIGN_COMMAND) {
    Invoke-Expression "$env:SIGN_COMMAND `"$Setup`""
    if ($LASTEXITCODE -ne 0) { throw "signing failed" }
}
Write-Host ("    {0:N1} MB: {1}" -f ((Get-Item $Setup).Length / 1MB), $Setup)

if ($env:SKIP_SMOKE -ne "1") {
    # Windows has its own keychain (Credential Manager) and display: nothing to emulate.
    # A windowed exe returns at once from the shell; Start-Process -Wait waits for the exit code.
    Write-Host "==> Smoke test"
    $Shot = Join-Path $Dist "smoke-screenshot.png"
    Remove-Item $Shot -ErrorAction SilentlyContinue
    $p = Start-Process -FilePath $Exe -ArgumentList @("--sandbox", "--screenshot", "`"$Shot`"") -Wait -PassThru
    if ($p.ExitCode -ne 0) { throw "smoke test: exit code $($p.ExitCode)" }
    if (-not (Test-Path $Shot) -or (Get-Item $Shot).Length -eq 0) { throw "smoke test: no screenshot at $Shot" }
    Write-Host "==> smoke test passed: $Shot"
}
