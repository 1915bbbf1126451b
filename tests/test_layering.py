"""Only db/ touches SQL: handlers/, knowledge/ and bot.py call the Store's repositories
(store.checkins.…, store.knowledge.…), so the PostgreSQL backend implements the same verbs and nothing else."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_DB = [*sorted((ROOT / "handlers").rglob("*.py")), *sorted((ROOT / "knowledge").rglob("*.py")), ROOT / "bot.py"]
SQL = re.compile(r"\b(?:SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|BEGIN IMMEDIATE)\b")
REPOSITORIES = {"profiles", "events", "replay", "pages", "leases", "knowledge", "vectors", "faq", "misses", "orgs",
                "checkins", "reminders", "plan_points", "outbox", "web"}
STORE_ITSELF = {"close", "transaction", "set_busy_timeout", "path", "conn", "lock"}


def _strings(tree: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_sql_and_no_sqlite_outside_db():
    for path in OUTSIDE_DB:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | \
                  {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {"sqlite3", "sqlite_utils"} & modules, f"{path.relative_to(ROOT)} imports SQLite"
        sql = [s for s in _strings(tree) if SQL.search(s)]
        assert not sql, f"{path.relative_to(ROOT)} holds SQL: {sql[0][:60]!r}"


def test_code_outside_db_reaches_the_store_only_through_its_repositories():
    for path in OUTSIDE_DB:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "store":
                assert node.attr in REPOSITORIES | STORE_ITSELF, \
                    f"{path.relative_to(ROOT)}:{node.lineno} calls store.{node.attr} (not a repository)"
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "store":
                assert node.attr in REPOSITORIES | STORE_ITSELF, \
                    f"{path.relative_to(ROOT)}:{node.lineno} calls store.{node.attr} (not a repository)"
