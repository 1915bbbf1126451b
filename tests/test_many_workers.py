"""Several workers over one database (the PostgreSQL deployment; SQLite too, where it applies): a
platform retry reaching another worker is still answered once, and an FAQ edit made through one
worker is what another worker answers with next."""
import time

import pytest

from conftest import both_backends, process_pool
from db import Store
from knowledge import base as knowledge_base
from knowledge.base import KnowledgeBase

backend = pytest.fixture(params=["sqlite", "postgresql"])(both_backends)


def _open(target: str, start_at: float) -> int:
    """A worker starting: it opens the store (applying what migrations are pending) at a common instant."""
    while time.time() < start_at:
        time.sleep(0.001)
    with Store(target) as store:
        return store.orgs.ensure_named("城东街道团工委", "console", "Asia/Shanghai", None, "2026-11-23T01:00:00Z")["id"]


@pytest.mark.slow
def test_workers_starting_together_on_an_empty_database_migrate_it_once(backend, pg_server, tmp_path):
    target = pg_server.create_database() if backend == "postgresql" else str(tmp_path / "fresh.db")
    with process_pool(4) as pool:
        org_ids = list(pool.map(_open, [target] * 4, [time.time() + 3] * 4))
    assert len(set(org_ids)) == 1  # every worker sees the one schema and the one org
    with Store(target) as store:
        assert [o["name"] for o in store.orgs.all()] == ["城东街道团工委"]
        store.checkins.record(store.profiles.ensure("console", "u1")["id"], org_ids[0], "2026-11-23", {"text": "学习"},
                              "2026-11-23T01:00:00Z")  # the schema is whole: a check-in goes in


def _claim_all(target: str, keys: list[str]) -> list[str]:
    """One worker receiving every event (each platform retry lands on some worker): the keys it won."""
    with Store(target) as store:
        return [k for k in keys if store.events.claim("wechat", k, "2026-11-23T01:00:00Z")]


@pytest.mark.slow
def test_a_retry_landing_on_another_worker_is_claimed_once(db_target):
    keys = [f"msg-{n}" for n in range(300)]
    with process_pool(4) as pool:
        won = list(pool.map(_claim_all, [db_target] * 4, [keys] * 4))
    claimed = [k for worker in won for k in worker]
    assert sorted(claimed) == sorted(keys)  # every event handled, by exactly one worker


def test_an_faq_edit_through_one_worker_reaches_the_others(db_target, data_dir, monkeypatch):
    monkeypatch.setattr(knowledge_base, "REFRESH_EVERY", 0)  # check the version on every question
    question, answer = "团员证丢了怎么补办？", "向所在团支部提出申请，经上级团委审核后补发团员证。"
    with Store(db_target) as worker_a, Store(db_target) as worker_b:
        kb = KnowledgeBase(worker_a, str(data_dir), None)
        assert answer not in kb.ask(question).text
        worker_b.faq.add(question, answer, now="2026-11-23T01:00:00Z")
        assert answer in kb.ask(question).text
