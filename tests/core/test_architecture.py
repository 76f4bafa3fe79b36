"""The layer rules, checked on the source (every import statement, also inside functions and
TYPE_CHECKING blocks):

- only `loquent_desktop/twilio_api/` imports the `twilio` library;
- the UI (`ui/`) reaches the core through services and the app context: it imports neither
  `store`, `twilio_api` nor `secrets`;
- the core (domain, store, secrets, twilio_api, services, sandbox, app.py, paths.py,
  settings.py, logging_setup.py, and cli.py on import) imports no Qt, so it can be tested,
  scripted and reused without a display;
- the emulator (`sandbox/`) imports nothing of the app outside `loquent_desktop/sandbox`: it
  plays Twilio, and Twilio knows nothing of us.

Each rule is one test that lists every violation as `file:line: imports X`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE_NAME = "loquent_desktop"
PACKAGE = Path(__file__).resolve().parents[2] / PACKAGE_NAME
CORE_FOLDERS = ["domain", "store", "secrets", "services", "twilio_api", "sandbox"]
CORE_FILES = ["app.py", "paths.py", "settings.py", "logging_setup.py", "cli.py"]
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qasync", "pytestqt")


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # absolute, e.g. "loquent_desktop.store.database" or "twilio.rest"
    top_level: bool  # a module-level statement (runs on import)

    def __str__(self) -> str:
        return f"{self.path.relative_to(PACKAGE.parent)}:{self.line}: imports {self.module}"


def _package_of(path: Path) -> list[str]:
    """The package a relative import starts from: the file's folder (also for __init__)."""
    return list(path.relative_to(PACKAGE.parent).parts[:-1])


def imports_of(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top = {id(node) for node in tree.body}
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(path)
                base = package[: len(package) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from . import x` may import a module x: count "package.x" as well.
            names = [prefix] + [f"{prefix}.{a.name}" for a in node.names if not node.module]
        else:
            continue
        found += [Import(path, node.lineno, name, id(node) in top) for name in names]
    return found


def _files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (PACKAGE / folder).rglob("*.py"))


def _all_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _is(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _violations(
    files: list[Path],
    forbidden: tuple[str, ...],
    allowed: tuple[str, ...] = (),
    top_level_only: tuple[str, ...] = (),
) -> list[str]:
    return [
        str(imp)
        for path in files
        for imp in imports_of(path)
        if _is(imp.module, *forbidden)
        and not _is(imp.module, *allowed)
        and (imp.top_level or path.name not in top_level_only)
    ]


def _report(rule: str, violations: list[str]) -> str:
    return f"{rule} — {len(violations)} violation(s):\n  " + "\n  ".join(violations)


def test_only_twilio_api_imports_the_twilio_library() -> None:
    outside = [p for p in _all_files() if "twilio_api" not in p.relative_to(PACKAGE).parts]
    violations = _violations(outside, ("twilio",))
    assert not violations, _report("only loquent_desktop/twilio_api/ may import twilio", violations)


def test_ui_imports_neither_store_twilio_api_nor_secrets() -> None:
    forbidden = tuple(f"{PACKAGE_NAME}.{layer}" for layer in ("store", "twilio_api", "secrets"))
    violations = _violations(_files("ui"), forbidden)
    assert not violations, _report("ui/ may not import store, twilio_api or secrets", violations)


def test_core_imports_no_qt() -> None:
    files = _files(*CORE_FOLDERS) + [PACKAGE / name for name in CORE_FILES]
    # The entry point builds the QApplication inside main(); on import it must stay Qt-free,
    # so only its module-level statements count.
    violations = _violations(files, QT, top_level_only=("cli.py",))
    assert not violations, _report("the core may not import Qt", violations)


def test_sandbox_imports_nothing_of_the_app() -> None:
    sandbox = f"{PACKAGE_NAME}.sandbox"
    violations = _violations(_files("sandbox"), (PACKAGE_NAME,), allowed=(sandbox,))
    assert not violations, _report("sandbox/ may not import the app outside sandbox/", violations)


def test_the_rules_see_relative_and_nested_imports() -> None:
    """The checker itself: a relative import resolves to the module it names, and imports
    inside functions count."""
    path = PACKAGE / "ui" / "launcher.py"
    modules = {imp.module for imp in imports_of(path)}
    assert f"{PACKAGE_NAME}.app" in modules  # `from ..app import ...`
    assert "PySide6.QtWidgets" in modules
    cli = {imp.module: imp.top_level for imp in imports_of(PACKAGE / "cli.py")}
    assert cli["qasync"] is False  # inside main()
    init = {imp.module for imp in imports_of(PACKAGE / "sandbox" / "__init__.py")}
    assert f"{PACKAGE_NAME}.sandbox.server" in init


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "migrations/versions" not in str(p) and not ast.get_docstring(ast.parse(p.read_text()))
    ]
    assert missing == []
