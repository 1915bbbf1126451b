"""Every quotation is the document's own words, and every answer fits a phone (issue 12, items 7 and 8).

Asked: every question of tests/data/*-dev.jsonl (after the dev notices are indexed), of the qa-* sets
and of ../shared/eval/qa-dev.jsonl (the bundled plans), with the FAQ built as `bot.py ingest` builds it.
For each answer, its first page and its "more" page:
- every 「…」 quotation, cut at its "…", is made of exact substrings of a cited source's passage;
- a “…” outside the quotations is a name the passage, title or heading holds, never a sentence the bot
  composed (the old answers wrapped composed text as ““加强团的基层基础”（…并积极）…”);
- the lead line is at most 120 characters, each first-page quotation at most 150, and no sentence is
  quoted twice.
Failures name the set and the question's id only (holdout-style sets stay unread).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from db import Store
from knowledge import faq
from knowledge.base import KnowledgeBase
from knowledge.dense import ensure_vectors
from knowledge.index import PLANS_DIR, index_plans
from knowledge.quotes import quotations

DATA = Path(__file__).parent / "data"
SHARED_DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "qa-dev.jsonl"
LEAD_MAX, QUOTE_MAX = 120, 150
SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]")


def problems(reply: dict) -> list[str]:
    """What is wrong with one answer (empty when nothing)."""
    sources = reply.get("sources") or []
    passages = [s.get("passage") or "" for s in sources]
    fields = passages + [str(s.get(k) or "") for s in sources for k in ("title", "section", "item")]
    out = []
    for page, text in (("answer", reply["answer"]), ("more", reply.get("more") or "")):
        for quote in quotations(text):
            for piece in (p for p in quote.split("…") if p):
                if not any(piece in p for p in passages):
                    out.append(f"{page}: 「{piece[:40]}」 is not in any cited passage")
        outside = re.sub(r"「.*?」", "", text, flags=re.S)
        for name in re.findall(r"“([^“”]*)”", outside):
            if not any(name in f for f in fields):
                out.append(f"{page}: “{name[:40]}” is shown as a quotation but is no source's text")
        if "““" in text or "””" in text:
            out.append(f"{page}: doubled quotation marks")
    first = reply["answer"].split("\n", 1)[0]
    if len(first) > LEAD_MAX and not first.startswith(("「", "▪")):  # a quotation may come first: no lead
        out.append(f"lead line of {len(first)} characters")
    shown = quotations(reply["answer"])
    out += [f"quotation of {len(q)} characters" for q in shown if len(q.replace("…", "")) > QUOTE_MAX]
    sentences = [s for q in shown for s in SENTENCE.findall(q) if len(s) >= 8]
    out += [f"sentence quoted twice: {s[:30]}" for s in {s for s in sentences if sentences.count(s) > 1}]
    return out


def cases(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if "q" in r]


def built(tmp_path_factory, embedder, data_dir, paths) -> KnowledgeBase:
    store = Store(tmp_path_factory.mktemp("quotes") / "kb.db")
    index_plans(store, paths)
    ensure_vectors(store, embedder)
    kb = KnowledgeBase(store, str(data_dir), embedder)
    faq.rebuild(kb)
    return kb


@pytest.fixture(scope="module")
def kbs(tmp_path_factory, embedder, data_dir, notices_kb):
    return {"dev": notices_kb("dev"),  # the same one the question sets use
            "plans": built(tmp_path_factory, embedder, data_dir, [PLANS_DIR])}


SETS = [(p, "dev") for p in sorted(DATA.glob("*-dev.jsonl"))] + [(p, "plans") for p in sorted(DATA.glob("qa-*.jsonl"))]
SETS += [(SHARED_DEV, "plans")] if SHARED_DEV.exists() else []


@pytest.mark.slow  # whole question sets
@pytest.mark.parametrize("path,kb_name", [s for s in SETS if cases(s[0])], ids=lambda x: getattr(x, "name", x))
def test_every_quotation_of_every_answer_is_the_documents_own(kbs, path, kb_name):
    kb = kbs[kb_name]
    failed = []
    for case in cases(path):
        reply = kb.ask(case["q"], case.get("city")).as_json()
        if reply["matched"]:
            failed += [f"{case['id']}: {p}" for p in problems(reply)]
    assert not failed, f"{path.name}: {len(failed)} problems\n" + "\n".join(failed[:20])


def test_the_check_catches_a_composed_sentence_shown_as_a_quotation():
    passage = "各镇（街道）团委于2018年1月26日下午下班前将工作开展情况表发送到相关科室。"
    source = {"title": "考核通知", "section": "五、有关要求", "item": "", "passage": passage}
    good = {"answer": "东莞（2017）：2018年1月26日下午下班前。\n「…于2018年1月26日下午下班前将工作开展情况表发送到相关科室。」",
            "sources": [source]}
    assert problems(good) == []
    composed = {"answer": "「“加强团的基层基础”的负责部门是组织部」", "sources": [source]}
    assert problems(composed)
    unquoted_composed = {"answer": "“考核材料交给组织部”", "sources": [source]}
    assert problems(unquoted_composed)
    cut_inside = {"answer": "「于2018年1月…下午下班前」", "sources": [source]}
    assert problems(cut_inside) == []  # "…" marks a cut: each side is the document's
    twice = {"answer": "「发送到相关科室。」\n「发送到相关科室。」".replace("发送", "将工作开展情况表发送"),
             "sources": [source]}
    assert any("twice" in p for p in problems(twice))
