# Build the Windows installer: PyInstaller one-folder build (with a version resource), then an
# Inno Setup per-user installer and SHA256SUMS, then a smoke test of the build (--self-test with
# Credential Manager, then sandbox + screenshot; packaging\windows\smoke_test.ps1).
#
#   powershell -ExecutionPolicy Bypass -File packaging\build_windows.ps1
#
# Needs: Python 3.11+ (py launcher or python on PATH) and Inno Setup 6 (ISCC.exe; on CI:
# `choco install innosetup`). Environment:
#   PYTHON            interpreter for the throw-away build venv (default: py -3.11, else python)
#   SKIP_SMOKE=1      build only
#   SIGN_COMMAND      optional signtool command line, e.g.
#                     'signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a'
#                     It signs the app's exe here, and Inno Setup runs it (SignTool=) on Setup,
#                     its temporary copies and the uninstaller (SignedUninstaller=yes); every
#                     signature is then verified. Unset: everything is left unsigned (nothing
#                     is faked).
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = Resolve-Path (Join-Path $PSScriptRoot "..")
Set-Location $Root
$Build = Join-Path $Root "build"
$Dist = Join-Path $Root "dist"
# The one place the version is written: loquent_desktop\__init__.py.
$Version = (Select-String -Path "loquent_desktop\__init__.py" -Pattern '^__version__ = "(.+)"').Matches[0].Groups[1].Value
$Numbers = @([regex]::Matches($Version, '\d+') | Select-Object -First 4 | ForEach-Object { $_.Value })
while ($Numbers.Count -lt 4) { $Numbers += "0" }
$NumericVersion = $Numbers -join "."

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
# The spec writes the version resource; check it made it into the exe.
$Info = (Get-Item $Exe).VersionInfo
if ($Info.ProductVersion -ne $Version -or $Info.CompanyName -ne "Loquent") {
    throw "version resource of $Exe is '$($Info.ProductVersion)' / '$($Info.CompanyName)', expected $Version / Loquent"
}

if ($env:SIGN_COMMAND) {
    Write-Host "==> Signing the executable"
    Invoke-Expression "$env:SIGN_COMMAND `"$Exe`""
    if ($LASTEXITCODE -ne 0) { throw "signing failed" }
}

Write-Host "==> Inno Setup"
$Iscc = (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found (choco install innosetup)" }
$IsccArgs = @("/Qp", "/DAppVersion=$Version", "/DNumericVersion=$NumericVersion",
    "/DSourceDir=$Dist\loquent-desktop", "/DRootDir=$Root", "/O$Dist")
if ($env:SIGN_COMMAND) {
    # Inno Setup substitutes $f with the file to sign (Setup, its copies, the uninstaller).
    $IsccArgs += @("/DSign", "/Sloquent=$($env:SIGN_COMMAND) `$f")
}
Invoke-Checked $Iscc ($IsccArgs + @("packaging\windows\loquent-desktop.iss"))
$Setup = Join-Path $Dist "loquent-desktop-$Version-windows-setup.exe"
if ($env:SIGN_COMMAND) {
    foreach ($File in @($Exe, $Setup)) {
        $Signature = Get-AuthenticodeSignature $File
        if ($Signature.Status -ne "Valid") { throw "signature of $File is $($Signature.Status)" }
    }
}
Write-Host ("    {0:N1} MB: {1}" -f ((Get-Item $Setup).Length / 1MB), $Setup)
$Hash = (Get-FileHash -Algorithm SHA256 $Setup).Hash.ToLower()
# LF, not CRLF: `sha256sum -c` on Linux must read the same file.
[System.IO.File]::WriteAllText((Join-Path $Dist "SHA256SUMS"), "$Hash  $(Split-Path $Setup -Leaf)`n")

if ($env:SKIP_SMOKE -ne "1") {
    # Windows has its own keychain (Credential Manager) and display: nothing to emulate.
    & (Join-Path $PSScriptRoot "windows\smoke_test.ps1") -Exe $Exe -Screenshot (Join-Path $Dist "smoke-screenshot.png")
}
