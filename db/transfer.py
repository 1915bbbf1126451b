"""Moving house (`bot.py migrate --to postgresql://…`): copy a SQLite deployment into PostgreSQL.

Every table both schemas hold is copied with the columns both hold, in the order PostgreSQL created
them (so a row's references arrive before it), in one transaction: COPY into a temporary table, then
an upsert by primary key — re-running the copy converges on the source instead of doubling it. A table
without a primary key (miss_group_token, derived from miss_group) is replaced as a whole. Identity
sequences continue after the largest copied id; passages get their search terms (db/knowledge.py).
Counts per table are read back from both sides and compared.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from db.knowledge import fts_terms
from db.store import Store

BATCH = 5000


@dataclass
class Copied:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


def _pg_tables(target: Store) -> list[str]:
    """The target's tables in creation order (references first), migration bookkeeping left out."""
    return [r[0] for r in target.db.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname != 'schema_migration' "
        "ORDER BY c.oid")]


def _pg_columns(target: Store, table: str) -> list[str]:
    return [r[0] for r in target.db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? ORDER BY ordinal_position", [table])]


def _pg_key(target: Store, table: str) -> list[str]:
    return [r[0] for r in target.db.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary", [table])]


def copy_sqlite_to_postgres(source: Store, target: Store,
                            progress: Callable[[str], None] = lambda line: None) -> list[Copied]:
    """Copy every shared table from `source` (SQLite) into `target` (PostgreSQL); the counts per table."""
    if source.backend != "sqlite" or target.backend != "postgresql":
        raise ValueError("copy goes from a SQLite file to a PostgreSQL database")
    present = set(source.db.table_names())
    tables = [t for t in _pg_tables(target) if t in present]
    pool = target.conn.pool
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [0x6D6F7665])  # "move": one copy at a time
        for table in tables:
            have = {c.name for c in source.db[table].columns}
            cols = [c for c in _pg_columns(target, table) if c in have]
            key = _pg_key(target, table)
            derived = ["terms"] if table == "passage" else []
            names = ", ".join(f'"{c}"' for c in cols + derived)
            conn.execute(f'CREATE TEMP TABLE incoming (LIKE "{table}") ON COMMIT DROP')
            rows = source.db.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{table}]")
            with conn.cursor().copy(f"COPY incoming ({names}) FROM STDIN") as copy:
                for row in rows:
                    row = list(row)
                    if derived:
                        row.append(fts_terms(row[cols.index("tokens")]))
                    copy.write_row(row)
            if key:
                update = ", ".join(f'"{c}" = excluded."{c}"' for c in cols + derived if c not in key)
                action = f"DO UPDATE SET {update}" if update else "DO NOTHING"
                conn.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM incoming '
                             f"ON CONFLICT ({', '.join(key)}) {action}")
            else:
                conn.execute(f'DELETE FROM "{table}"')
                conn.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM incoming')
            conn.execute("DROP TABLE incoming")
            if "id" in cols and table in target.conn.id_tables:
                # AUTOINCREMENT's high-water mark too: a deleted deadline's number is never handed out again
                used = source.db.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", [table]).fetchone() \
                    if "sqlite_sequence" in present else None
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f'GREATEST((SELECT max(id) FROM "{table}"), %s, 1))', [used[0] if used else 0])
            progress(table)
    return [Copied(t, source.db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0],
                   target.db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables]
