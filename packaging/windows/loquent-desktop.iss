; Inno Setup 6 script for Loquent Desktop: a per-user install (no administrator rights needed),
; a Start menu shortcut and an uninstaller. Built by packaging\build_windows.ps1, which passes:
;   /DAppVersion=0.1.0 /DSourceDir=<dist\loquent-desktop> /DRootDir=<repo root>
; and, when signing is configured, /DSign plus /Sloquent="signtool sign ... $f": Inno Setup then
; signs the uninstaller (SignedUninstaller) and Setup itself, including the temporary copies
; Setup makes of itself, which signing the finished .exe afterwards cannot reach.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef NumericVersion
  ; VersionInfoVersion takes digits only (0.1.0.0), AppVersion may be 0.2.0rc1.
  #define NumericVersion "0.0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\loquent-desktop"
#endif
#ifndef RootDir
  #define RootDir "..\.."
#endif

[Setup]
; Never change AppId: it ties upgrades and the uninstaller to earlier installs.
AppId={{6C1F2E7A-3B9D-4E55-9A0C-5B4BDB0D1E51}
AppName=Loquent Desktop
AppVersion={#AppVersion}
AppVerName=Loquent Desktop {#AppVersion}
AppPublisher=Loquent
; Per user: installs under %LOCALAPPDATA%\Programs, no UAC prompt. Account managers often have
; no admin rights on their laptops.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\Loquent Desktop
DefaultGroupName=Loquent Desktop
DisableProgramGroupPage=yes
OutputBaseFilename=loquent-desktop-{#AppVersion}-windows-setup
SetupIconFile={#RootDir}\resources\icons\loquent-desktop.ico
UninstallDisplayIcon={app}\loquent-desktop.exe
UninstallDisplayName=Loquent Desktop
; Version resource of the setup .exe (Properties > Details; SmartScreen and antivirus use it).
VersionInfoVersion={#NumericVersion}
VersionInfoProductVersion={#AppVersion}
VersionInfoProductName=Loquent Desktop
VersionInfoCompany=Loquent
VersionInfoDescription=Loquent Desktop Setup
VersionInfoCopyright=Copyright (c) Loquent
#ifdef Sign
SignTool=loquent
SignedUninstaller=yes
#endif
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Upgrading over a running copy would leave a half-replaced folder.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; A previous version's bundled libraries must not linger next to the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\Loquent Desktop"; Filename: "{app}\loquent-desktop.exe"
Name: "{autodesktop}\Loquent Desktop"; Filename: "{app}\loquent-desktop.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\loquent-desktop.exe"; Description: "{cm:LaunchProgram,Loquent Desktop}"; Flags: nowait postinstall skipifsilent
