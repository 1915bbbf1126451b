"""The repositories' SQL on psycopg: the sqlite-utils and sqlite3 surface they use, over PostgreSQL.

The repositories keep one copy of their SQL, written in the common subset of SQLite and PostgreSQL;
`translate` makes the few differences at the edge — `?` and `:name` placeholders become psycopg's,
`IS NOT ?` becomes `IS DISTINCT FROM`, an INSERT into a table with an identity `id` returns it (SQLite's
lastrowid) — and `PgDatabase` answers the handful of sqlite-utils calls the repositories make
(`db.execute`, `db.query`, `db["table"].insert/insert_all/update/rows_where/count`, `db.conn`).
Values are bound client-side (psycopg's ClientCursor), so a parameter is typed like a literal written
in the SQL, as in SQLite. Connections and transactions are db/pg_connection.py's.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Iterator

import psycopg

if TYPE_CHECKING:
    from db.pg_connection import PgConnection

_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)


@lru_cache(maxsize=4096)
def translate(sql: str, named: bool) -> str:
    """SQLite-flavoured SQL → psycopg's: placeholders outside quotes, `%` escaped, IS NOT ? → IS DISTINCT FROM."""
    sql = re.sub(r"\bIS NOT \?", "IS DISTINCT FROM ?", sql)
    out, i, n = [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i:end + 1].replace("%", "%%"))
            i = end + 1
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == ":" and named and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") \
                and (i == 0 or sql[i - 1] != ":"):
            m = re.match(r"\w+", sql[i + 1:])
            out.append(f"%({m.group(0)})s")
            i += 1 + m.end()
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class Result:
    """What a statement returned, read in full (the connection goes back to the pool at once): the
    sqlite3 cursor's interface the repositories use."""

    def __init__(self, cur: psycopg.Cursor, returned_id: bool = False):
        self.rowcount = cur.rowcount
        # psycopg builds `description` anew at each reading (a Column object a column): read it once —
        # a check-in's 18 columns read three times were a quarter of its client time
        described = cur.description
        self.description = [(c.name,) for c in described] if described else None
        rows = cur.fetchall() if described else []
        self.lastrowid = None
        if returned_id:
            self.lastrowid = rows[0][0] if rows else None
            rows, self.description = [], None
        self._rows = rows
        self._next = 0

    def fetchone(self):
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list:
        rows, self._next = self._rows[self._next:], len(self._rows)
        return rows

    def __iter__(self):
        return iter(self.fetchall())


def _params(params):
    if params is None:
        return None
    if isinstance(params, dict):
        return params
    return list(params)


class RawConnection:
    """`db.conn`: execute / executemany on the thread's transaction, else on a pooled connection."""

    def __init__(self, owner: "PgConnection"):
        self.owner = owner

    def execute(self, sql: str, params=None, prepared: bool = False) -> Result:
        """`prepared` (PostgreSQL only): bind the values server-side in a statement the connection prepares
        once — for a hot statement whose parameters are plain values (text, numbers, NULL)."""
        params = _params(params)
        if params is not None and not params and not isinstance(params, dict):
            params = None  # no placeholders: the SQL goes as written (a `%` stays a `%`)
        named = isinstance(params, dict)
        text = translate(sql, named) if params is not None else sql
        returning = False
        m = _INSERT.match(sql)
        if m and m.group(1) in self.owner.id_tables and "RETURNING" not in sql.upper():
            text += " RETURNING id"
            returning = True
        with self.owner.cursor(prepared) as cur:
            cur.execute(text, params, prepare=True) if prepared else cur.execute(text, params)
            return Result(cur, returning)

    def executemany(self, sql: str, seq) -> Result:
        seq = [_params(p) for p in seq]
        if not seq:
            return _Empty()
        text = translate(sql, isinstance(seq[0], dict))
        with self.owner.cursor() as cur:
            cur.executemany(text, seq)
            return Result(cur)

    def commit(self) -> None:  # transactions end in PgConnection.transaction
        pass

    def rollback(self) -> None:
        pass


class _Empty:
    rowcount, description, lastrowid = 0, None, None

    def fetchone(self):
        return None

    def fetchall(self):
        return []

    def __iter__(self):
        return iter(())


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _value(v):
    return int(v) if isinstance(v, bool) else v


class Inserted:
    def __init__(self, last_pk):
        self.last_pk = last_pk


class Table:
    """The sqlite-utils table calls the repositories make, as plain SQL."""

    def __init__(self, db: "PgDatabase", name: str):
        self.db, self.name = db, name

    def insert(self, record: dict) -> Inserted:
        cols = list(record)
        pk = "id" if self.name in self.db.owner.id_tables else None
        sql = (f"INSERT INTO {quote(self.name)} ({', '.join(map(quote, cols))}) "
               f"VALUES ({', '.join('?' * len(cols))})" + (" RETURNING id" if pk else ""))
        cur = self.db.conn.execute(sql, [_value(record[c]) for c in cols])
        row = cur.fetchone() if pk else None
        if pk and "id" in record:
            self.db.owner.advance_sequence(self.name)
        return Inserted(row[0] if row else None)

    def insert_all(self, records, batch_size: int = 500) -> "Table":
        records = list(records)
        if not records:
            return self
        cols = list(dict.fromkeys(c for r in records for c in r))
        sql = (f"INSERT INTO {quote(self.name)} ({', '.join(map(quote, cols))}) "
               f"VALUES ({', '.join('?' * len(cols))})")
        self.db.conn.executemany(sql, [[_value(r.get(c)) for c in cols] for r in records])
        if "id" in cols and self.name in self.db.owner.id_tables:
            self.db.owner.advance_sequence(self.name)
        return self

    def update(self, pk, changes: dict) -> "Table":
        cols = list(changes)
        self.db.conn.execute(f"UPDATE {quote(self.name)} SET {', '.join(f'{quote(c)} = ?' for c in cols)} "
                             "WHERE id = ?", [*[_value(changes[c]) for c in cols], pk])
        return self

    def rows_where(self, where: str | None = None, where_args=None, order_by: str | None = None,
                   limit: int | None = None) -> Iterator[dict]:
        sql = f"SELECT * FROM {quote(self.name)}"
        if where:
            sql += f" WHERE {where}"
        if order_by:
            sql += f" ORDER BY {order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return iter(self.db.query(sql, where_args or []))

    @property
    def count(self) -> int:
        return self.db.execute(f"SELECT count(*) FROM {quote(self.name)}").fetchone()[0]


class PgDatabase:
    """The part of sqlite_utils.Database the repositories use, over PostgreSQL."""

    def __init__(self, owner: "PgConnection"):
        self.owner = owner
        self.conn = RawConnection(owner)

    def execute(self, sql: str, params=None) -> Result:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params=None) -> Iterator[dict]:
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description or []]
        return (dict(zip(names, row)) for row in cur.fetchall())

    def __getitem__(self, name: str) -> Table:
        return Table(self, name)

    def close(self) -> None:
        self.owner.close()
