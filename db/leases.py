"""Work leases (`store.leases`): one process at a time does a job every process might start (indexing the bundled plans
on a fresh database), the others wait for it or skip it.

A lease is a row (name, holder, until): taken when free or expired, given back when done, and simply
expiring when its holder dies mid-job, so a crash never blocks the job for good.
"""
from __future__ import annotations

import datetime as dt

from sqlite_utils.migrations import Migrations

from db.connection import Repository, utc
from db.postgres import PgMigrations

migrations = Migrations("leases")


@migrations()
def m001_work_lease(db) -> None:
    db["work_lease"].create({"name": str, "holder": str, "lease_until": str}, pk="name")


pg_migrations = PgMigrations("leases", [("m001_work_lease", """
CREATE TABLE work_lease (name TEXT PRIMARY KEY, holder TEXT, lease_until TEXT);
""")])

class Leases(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def acquire(self, name: str, holder: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Take (or renew) the lease `name` until `until`; False while another holder's is still valid."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO work_lease (name, holder, lease_until) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until "
                "WHERE work_lease.lease_until < ? OR work_lease.holder = excluded.holder",
                [name, holder, utc(until), utc(now)])
            return cur.rowcount == 1

    def release(self, name: str, holder: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE work_lease SET lease_until = '' WHERE name = ? AND holder = ?", [name, holder])

    def holder(self, name: str, now: dt.datetime) -> str | None:
        """Who holds a valid lease `name` now, if anyone."""
        row = self.db.execute("SELECT holder FROM work_lease WHERE name = ? AND lease_until >= ?",
                              [name, utc(now)]).fetchone()
        return row[0] if row else None
