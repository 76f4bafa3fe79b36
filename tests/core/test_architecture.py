"""The core (domain, store, secrets, services, Twilio access, sandbox) never imports Qt, so it
can be tested, scripted and reused without a display."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "loquent_desktop"
CORE = ["domain", "store", "secrets", "services", "twilio_api", "sandbox"]
CORE_FILES = ["app.py", "paths.py", "settings.py", "logging_setup.py", "cli.py"]


def core_modules() -> list[Path]:
    files = [p for folder in CORE for p in (PACKAGE / folder).rglob("*.py")]
    return files + [PACKAGE / name for name in CORE_FILES]


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_imports_no_qt(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # The entry point builds the QApplication inside main(); on import it must stay Qt-free,
    # so only its module-level statements count.
    nodes = tree.body if path.name == "cli.py" else list(ast.walk(tree))
    imported: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.append(node.module)
    qt = [name for name in imported if name.split(".")[0] in ("PySide6", "PyQt6", "qasync")]
    assert qt == []


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "migrations/versions" not in str(p) and not ast.get_docstring(ast.parse(p.read_text()))
    ]
    assert missing == []
