"""On PostgreSQL every statement is a round trip to the server (on a loaded network, the larger part of
an answer's time): a question asked for the first time reads all of its words' postings in one query,
its candidates' rows in another and their items' sentences in a third, whatever its number of words;
a check-in is one statement."""
import pytest

import db.pg_sql as pg_sql
from db import Store
from knowledge.base import KnowledgeBase

pytestmark = pytest.mark.slow  # a PostgreSQL server of the run's own


@pytest.fixture
def statements(monkeypatch) -> list[str]:
    """The SQL of every statement sent to PostgreSQL from now on."""
    sent: list[str] = []
    execute = pg_sql.RawConnection.execute

    def counting(self, sql, params=None, **how):
        sent.append(sql)
        return execute(self, sql, params, **how)

    monkeypatch.setattr(pg_sql.RawConnection, "execute", counting)
    return sent


@pytest.fixture
def pg_kb(pg_server, pg_indexed, data_dir):
    store = Store(pg_server.create_database(template=pg_indexed))
    yield KnowledgeBase(store, str(data_dir), None)  # the lexical path: no vector reads
    store.close()


def test_a_new_question_costs_three_round_trips_however_many_words(pg_kb, statements):
    question = "基层团组织的团员发展、团课学时、团费收缴和志愿服务各有什么要求？"
    answer = pg_kb.ask(question)
    assert answer.matched
    assert 0 < len(statements) <= 3, statements  # were 19 (one a word and one an item)
    statements.clear()
    pg_kb.ask(question)  # asked again: everything it needs is cached
    assert statements == []


def test_the_rare_words_posting_lists_are_read_once_at_start(pg_kb, statements):
    assert pg_kb._postings.held > 0  # the five plans' lists all fit in the cache
    pg_kb.ask("团费收缴和团员发展有什么要求？")
    assert not [sql for sql in statements if "terms @>" in sql], statements
    assert pg_kb.postings("团费").tolist() == pg_kb.store.knowledge.token_postings("团费")


def test_a_batch_of_postings_equals_one_token_at_a_time(pg_kb, tmp_path, indexed_db):
    lite = Store(indexed_db)
    tokens = ["团课", "“团课”", "团费", "志愿服务", "2019", "不存在的词语", "", "？"]
    many_pg = pg_kb.store.knowledge.token_postings_many(tokens)
    many_lite = lite.knowledge.token_postings_many(tokens)
    assert many_pg == many_lite == {t: lite.knowledge.token_postings(t) for t in tokens}
    assert many_pg["团课"] and many_pg["不存在的词语"] == []
    lite.close()


def test_a_check_in_is_one_statement_with_no_transaction_around_it(pg_kb, statements, monkeypatch):
    from db.pg_connection import PgConnection

    store = pg_kb.store
    member = store.profiles.ensure("telegram", "1", "张三", "2026-11-23T01:00:00Z")["id"]
    opened = []
    transaction = PgConnection.transaction
    monkeypatch.setattr(PgConnection, "transaction", lambda self, lock="all": opened.append(lock) or transaction(self, lock))
    statements.clear()
    first = store.checkins.record(member, None, "2026-11-23", {"text": "组织青年大学习", "percent": 50.0, "count": 3},
                                  "2026-11-23T01:00:00Z")
    assert len(statements) == 1 and opened == []  # BEGIN, a lock and COMMIT would be three round trips more
    second = store.checkins.record(member, None, "2026-11-23", {"text": "开展志愿服务"}, "2026-11-23T02:00:00Z",
                                   late=True)
    assert (first["seq"], first["percent"], first["count"], second["seq"], second["late"]) == (1, 50.0, 3, 2, 1)
    assert [(r["revision"], r["kind"], r["text"]) for r in store.checkins.history(second["id"])] == [
        (1, "late", "开展志愿服务")]


def test_a_broadcast_batch_is_claimed_and_finished_in_few_statements(pg_server, statements):
    """A tick worker sending side by side claims a batch reading the platform's window as one row per
    claimed instant (not one per send) and records the batch's outcomes in one statement, not one each;
    a broadcast of thousands refreshes the planner's statistics, so a claim walks the due index instead
    of sorting every pending delivery (70 ms a claim at 100,000)."""
    import datetime as dt

    from db.rows import Delivery

    store = Store(pg_server.create_database())
    now = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)
    store.outbox.queue_deliveries([Delivery(f"b|fake:c{n}", "fake", f"c{n}", "通知", kind="b") for n in range(3000)], now)
    seen = []

    def pick(at, candidates, totals, per_chat):
        seen.append(totals)
        return [c["id"] for c in candidates[:100]], 0.0

    for k in range(3):
        rows, _ = store.outbox.claim_batch("fake", "w1", lambda: now + dt.timedelta(seconds=0.1 * k),
                                           dt.timedelta(minutes=2), 256, pick, dt.timedelta(seconds=1),
                                           dt.timedelta(0))
        assert len(rows) == 100 and rows[0]["attempts"] == 0
    assert [len(t) for t in seen] == [0, 1, 2] and seen[-1][0][1] == 100  # (instant, sends), not 200 rows
    statements.clear()
    store.outbox.finish_deliveries([(r["id"], "sent", "", None) for r in rows], "w1", now)
    assert len(statements) == 1, statements
    assert sum(1 for r in store.outbox.deliveries(state="sent")) == 100
    plan = "\n".join(r[0] for r in store.outbox.db.execute(
        "EXPLAIN SELECT id, chat_id, chat_type, priority FROM outbox WHERE platform = 'fake' AND state = 'pending' "
        "AND next_attempt_at <= '2026-11-23T01:00:00.000000Z' ORDER BY priority, id LIMIT 256"))
    assert "outbox_due" in plan and "Sort" not in plan, plan
    # the planner knows the broadcast is there (never analysed: -1, and at 100,000 it chose to sort)
    assert store.outbox.db.execute("SELECT reltuples FROM pg_class WHERE relname = 'outbox'").fetchone()[0] >= 2900
    store.close()


def test_a_question_about_several_documents_reads_their_passages_in_one_query(pg_kb, statements, indexed_db):
    """A question restricted to a few documents scans their passages' token sets: read together, one
    round trip, not one a document (up to 12 at 100k passages), and the same sets as on SQLite."""
    pg_kb.ask("宁波和枣庄的要点里对“智慧团建”系统各有什么要求？")
    scans = [sql for sql in statements if "tokens FROM passage WHERE doc_key" in sql]
    assert len(scans) <= 1, scans
    keys = list(pg_kb.docs)
    pg_kb.reload()
    statements.clear()
    got = pg_kb.documents_tokens(keys)
    assert len(statements) == 1 and len(got) == len(keys) >= 5
    lite = Store(indexed_db)
    assert {k: [(pid, sorted(t)) for pid, t in v] for k, v in got.items()} == {
        k: [(pid, sorted(t.split())) for pid, t in lite.knowledge.document_tokens(k)] for k in keys}
    lite.close()
    statements.clear()
    pg_kb.documents_tokens(keys[:2])
    assert statements == []  # kept until the index changes
