"""Answering from the plans: facts with sources, regions compared, asker's region first, declines."""
import pytest

from handlers.core.router import dispatch
from conftest import message


def test_lesson_hours_lists_every_city_with_its_rule(kb):
    a = kb.ask("入团前需要参加多少学时的团课？")
    assert a.matched
    text = a.text.replace(" ", "")
    assert "20学时" in text and "8学时" in text
    cities = {s["city"] for s in a.sources}
    assert {"东莞", "枣庄"} <= cities
    assert "不同" in a.text  # it says the cities differ


def test_asker_region_leads(kb):
    a = kb.ask("入团前需要参加多少学时的团课？", "枣庄")
    assert a.sources[0]["city"] == "枣庄"
    assert a.text.index("枣庄") < a.text.index("东莞")


def test_sources_carry_title_year_section_and_item(kb):
    a = kb.ask("宁波要不断充实市青年创业的哪三样资源？")
    s = a.sources[0]
    assert s["title"] == "2019年全市共青团工作要点" and s["year"] == 2019 and s["city"] == "宁波"
    assert s["section"].startswith("三、") and s["item"].startswith("10．")
    assert "导师团" in s["excerpt"]


@pytest.mark.parametrize("q", ["明天会下雨吗", "番茄炒蛋先放番茄还是先放蛋？", "今天人民币兑美元汇率是多少？"])
def test_off_topic_is_declined_plainly(kb, q):
    a = kb.ask(q)
    assert not a.matched and "没有" in a.text and not a.sources


@pytest.mark.parametrize("q,named", [("北京2023年工作要点有哪些重点？", "北京"),
                                     ("成都共青团2022年工作要点对团课有什么要求？", "成都")])
def test_uncovered_region_or_year_is_declined_saying_what_is_covered(kb, q, named):
    a = kb.ask(q)
    assert not a.matched
    assert "东莞" in a.text and "枣庄" in a.text  # it says what the documents do cover


def test_region_scoped_question_stays_in_that_region(kb):
    a = kb.ask("宁波要构建几级志愿服务组织网络？")
    assert a.matched and {s["city"] for s in a.sources} == {"宁波"}
    assert "市县镇村" in a.text


def test_traditional_and_full_width_input(kb):
    assert "市县镇村" in kb.ask("寧波要構建幾級志願服務組織網絡？").text
    assert "30%" in kb.ask("东莞２０１７年底初中毕业班团青比例控制在多少？").text


def test_a_typo_in_a_name_still_finds_it(kb):
    assert "中国青创板" in kb.ask("东莞的“中国青创版”综合金融服务平台是干嘛的？").text


def test_plain_text_in_private_chat_is_a_question(ctx):
    reply = dispatch(ctx, message("入团前需要参加多少学时的团课？"))[0]
    assert reply.data["matched"] and "学时" in reply.text


@pytest.mark.parametrize("text,expect", [
    ("问", "写上您的问题"),
    ("问 " + "团" * 10_000, "太长"),
    ("问 😀😀😀", "用文字"),
])
def test_bad_input_gets_a_specific_reply(ctx, text, expect):
    reply = dispatch(ctx, message(text))[0]
    assert expect in reply.text


@pytest.mark.parametrize("q", ['"', "AND", "NEAR(", "团课 *", "' OR 1=1 --", "团课\" OR \"x", "); DROP TABLE passage; --"])
def test_fts_and_sql_syntax_is_just_text(ctx, q):
    before = ctx.store.knowledge.passage_count()
    reply = dispatch(ctx, message(q))[0]
    assert reply.text and "出错" not in reply.text
    assert ctx.store.knowledge.passage_count() == before


def test_a_vague_question_offers_at_most_three_choices_and_a_choice_answers(ctx):
    reply = dispatch(ctx, message("宁波志愿"))[0]
    assert 1 < len(reply.choices) <= 3 and "请选择" in reply.text
    picked = dispatch(ctx, message(reply.choices[1].command))[0]
    heading = reply.choices[1].label.split(" ", 1)[1].split("．", 1)[-1]  # "11．不断深化…" → its heading
    assert picked.data["matched"] and heading in picked.text
