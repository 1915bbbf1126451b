"""Finding the sentence of a newly ingested notice that holds the fact, when many of its sentences share
the question's words. The notice is generated here (lexical engine: deterministic)."""
import pytest

from db import Store
from knowledge.base import KnowledgeBase
from knowledge.index import index_plans

CLASSES = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]


def _notice() -> str:
    lines = ["共青团青禾县第三中学委员会", "", "关于做好2025年发展团员材料工作的通知", "", "各班团支部：", "",
             "一、材料要求", ""]
    # Thirty sentences that all name 入团志愿书, then the one that says when and where it is handed out.
    n = 0
    for grade in ("七", "八", "九"):
        for cls in CLASSES[:9]:
            n += 1
            lines.append(f"（{CLASSES[(n - 1) % 9]}）{grade}年级{cls}班的入团志愿书由班团支部书记审核后归档。")
    lines += ["", "二、时间安排", "",
              "1．各团支部书记于4月26日前到校团委办公室（综合楼305室）领取入团志愿书。", "",
              "共青团青禾县第三中学委员会", "2025年3月1日", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def kb(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("notice")
    (folder / "qinghe_third.txt").write_text(_notice(), encoding="utf-8")
    store = Store(folder / "kb.db")
    assert not index_plans(store, [folder / "qinghe_third.txt"]).failed
    return KnowledgeBase(store, str(data_dir), None)


def test_the_sentence_with_the_asked_verb_is_found_among_many_that_share_the_subject(kb):
    # 领 is the first character of 领取: the one sentence that hands the form out answers.
    answer = kb.ask("入团志愿书啥时候去哪儿领？")
    assert answer.matched and "4月26日" in answer.text and "305室" in answer.text, answer.text
