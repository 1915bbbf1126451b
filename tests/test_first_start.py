"""Processes started at once on a fresh database: migrations apply once, one process indexes the plans
while the others wait for it, and every check-in is saved (it used to be 4 of 20: "database is locked")."""
import subprocess
import sys
import threading

import pytest

from conftest import ROOT
from db import Store
from knowledge import index

pytestmark = pytest.mark.slow  # starts processes or scores whole question sets: -m 'not slow' skips it

N = 8


def test_consoles_and_a_tick_started_together_on_a_fresh_database_all_succeed(tmp_path):
    db = tmp_path / "fresh.db"
    command = [sys.executable, "bot.py", "-v", "console", "--db", str(db), "--as"]
    procs = [subprocess.Popen(command + [f"u{n}"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in range(N)]
    procs.append(subprocess.Popen([sys.executable, "bot.py", "-v", "tick", "--db", str(db)], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(f"打卡 组织青年大学习第{n}期学习\n" if n < N else None, timeout=300)
            for n, p in enumerate(procs)]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
        assert "database is locked" not in err
    assert all("✅ 已打卡" in out for out, _ in outs[:N])
    logs = "".join(err for _, err in outs)
    assert logs.count("indexed the plans: 5 files") == 1  # one process indexed; the others waited
    with Store(db) as store:
        assert store.checkins.count() == N and len(store.knowledge.documents()) == 5
        applied = store.db.execute("SELECT migration_set, name, count(*) FROM _sqlite_migrations "
                                   "GROUP BY migration_set, name HAVING count(*) > 1").fetchall()
        assert applied == []


def test_stores_opened_at_once_apply_each_migration_once(tmp_path):
    path, errors = tmp_path / "m.db", []

    def open_store():
        try:
            Store(path).close()
        except Exception as err:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(err)

    threads = [threading.Thread(target=open_store) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(path) as store:
        names = [r[0] for r in store.db.execute("SELECT name FROM _sqlite_migrations")]
        assert len(names) == len(set(names)) == sum(len(list(m.applied(store.db))) for m in store.migration_sets())


def test_a_start_waits_for_another_indexer_then_finds_its_work(tmp_path, monkeypatch):
    import datetime as dt

    store = Store(tmp_path / "w.db")
    now = dt.datetime.now(dt.timezone.utc)
    assert store.leases.acquire(index.INDEX_LEASE, "other-process", now, now + dt.timedelta(minutes=10))
    assert index.ensure_indexed(store, wait=0.3) is None  # bounded: gives up and starts without the plans
    assert store.knowledge.documents() == []

    def other_finishes(*_):
        index.index_plans(Store(store.path))
        store.leases.release(index.INDEX_LEASE, "other-process")

    timer = threading.Timer(0.3, other_finishes)
    timer.start()
    assert index.ensure_indexed(store, wait=60) is None  # it waited, and the other one's work is there
    timer.join()
    assert len(store.knowledge.documents()) == 5


def test_a_crashed_indexers_lease_lapses(tmp_path):
    import datetime as dt

    store = Store(tmp_path / "c.db")
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    store.leases.acquire(index.INDEX_LEASE, "crashed", long_ago, long_ago + index.INDEX_LEASE_TIME)
    report = index.ensure_indexed(store, wait=5)
    assert report is not None and len(report.indexed) == 5


def test_opening_a_fresh_file_while_another_process_sets_it_up_waits_for_it(tmp_path):
    """Switching a new file to WAL takes an exclusive lock and SQLite does not wait for it: a second
    process opening the file meanwhile got "database is locked" (1 start in 25 with a tick)."""
    import sqlite3

    path = tmp_path / "fresh.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # another process, setting up
    other.execute("CREATE TABLE setting_up (x)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO setting_up VALUES (1)")
    threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
    with Store(path) as store:  # waits for the other one instead of failing
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()
