"""The web adapter calls into the core through handlers/dashboard/ only, so a rename elsewhere in
handlers/, knowledge/ or db/ is followed in one package — and the dashboard itself writes no SQL."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = ("handlers.dashboard", "handlers.core.types", "handlers.adapters")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_web_adapter_reaches_the_core_only_through_the_dashboard_package():
    for path in (ROOT / "handlers" / "adapters" / "web").glob("*.py"):
        ours = {m for m in imports(path) if m.split(".")[0] in ("handlers", "knowledge", "db")}
        stray = {m for m in ours if not m.startswith(ALLOWED)}
        assert not stray, f"{path.name} imports {sorted(stray)}: go through handlers/dashboard/"


def test_the_dashboard_writes_no_sql():
    for path in (ROOT / "handlers" / "dashboard").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not {"sqlite3", "sqlite_utils"} & imports(path), path.name
        for word in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM"):
            assert word not in text, f"{path.name} holds SQL ({word.strip()})"
