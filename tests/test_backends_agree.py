"""PostgreSQL answers exactly as SQLite does: the same plans and dev notices indexed on both backends,
the FAQ generated on both, then every question of the dev question sets (tests/data/*-dev.jsonl, the
qa-* plan sets and ../shared/eval/qa-dev.jsonl when present) asked of each — the whole answer (text,
decision, citations) must be equal. The search inputs themselves are compared first, so a difference
is reported where it starts."""
import json
import shutil
from pathlib import Path

import pytest

from db import Store
from knowledge import faq, faq_index
from knowledge.base import KnowledgeBase
from knowledge.dense import ensure_vectors
from knowledge.index import PLANS_DIR, index_plans

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # whole question sets, twice
SETS = ["notices-dev.jsonl", "paraphrase-dev.jsonl", "scope-dev.jsonl", "qa-extra.jsonl", "qa-final.jsonl"]
SHARED = next((p for p in (ROOT.parent / "shared" / "eval" / "qa-dev.jsonl",
                           ROOT.parent.parent / "shared" / "eval" / "qa-dev.jsonl") if p.exists()), None)


def questions() -> list[tuple[str, str, str | None]]:
    out = []
    for path in [DATA / name for name in SETS] + ([SHARED] if SHARED else []):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                out.append((f"{path.stem}:{case['id']}", case["q"], case.get("city")))
    return out


@pytest.fixture(scope="module")
def kbs(tmp_path_factory, pg_server, notices_db, data_dir, embedder):
    """SQLite: a fresh copy of the run's plans + dev notices database (conftest.notices_db, built by these
    same steps); PostgreSQL: the same steps run on a new database."""
    lite = tmp_path_factory.mktemp("agree") / "kb.db"
    shutil.copy(notices_db("dev"), lite)
    built = {"sqlite": KnowledgeBase(Store(lite), str(data_dir), embedder)}
    store = Store(pg_server.create_database())
    report = index_plans(store, [PLANS_DIR, DATA / "notices" / "dev"])
    assert not report.failed, report.failed
    ensure_vectors(store, embedder)
    kb = KnowledgeBase(store, str(data_dir), embedder)
    faq.rebuild(kb)
    faq_index.embed_generated(store, embedder)  # as notices_db does: no background thread racing the asks
    built["postgresql"] = KnowledgeBase(store, str(data_dir), embedder)  # opened after the build, as SQLite's
    yield built
    for kb in built.values():
        kb.store.close()


def test_the_search_inputs_are_the_same(kbs, embedder):
    lite, pg = kbs["sqlite"].store, kbs["postgresql"].store
    assert pg.knowledge.passage_count() == lite.knowledge.passage_count() > 300
    df = lite.knowledge.token_document_frequency()
    assert pg.knowledge.token_document_frequency() == df
    for token in sorted(df)[::7]:  # postings of a seventh of the vocabulary, every kind of token
        assert pg.knowledge.token_postings(token) == lite.knowledge.token_postings(token), token
    assert pg.knowledge.token_postings("“团课”") == lite.knowledge.token_postings("“团课”")  # punctuation
    assert pg.faq.count("generated") == lite.faq.count("generated") > 0
    assert pg.vectors.count(embedder.model_id) == lite.vectors.count(embedder.model_id) > 300


def test_every_dev_question_gets_the_same_answer_on_both(kbs):
    asked = questions()
    assert len(asked) > 250 and (SHARED is None or any(q[0].startswith("qa-dev:") for q in asked))
    differ = [name for name, q, city in asked
              if kbs["postgresql"].ask(q, city).as_json() != kbs["sqlite"].ask(q, city).as_json()]
    assert differ == [], f"{len(differ)} of {len(asked)} answers differ: {differ[:20]}"
