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
