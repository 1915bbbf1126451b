"""A newly ingested notice answers the slot asked for — the day and hour, the place — from its own short
sentences, even when another document has many longer sentences that share the question's common words.
The notices are written here (lexical engine: deterministic)."""
import pytest

from conftest import notices_written
from knowledge.query import dials

TRAINING = """共青团青禾县委员会

关于举办2025年青禾县基层团干部培训班的通知

各乡镇团委，县直各单位团组织：

为提升基层团干部履职能力，团县委决定举办培训班。现将有关事项通知如下：

一、培训时间

2025年6月4日至6日，共3天。6月3日9:00—11:30报到。

二、培训地点

青禾县委党校（青禾县人民路88号）三楼报告厅；周六下午的现场教学在县青年之家。

三、有关要求

学员报到时须携带身份证和笔记本。培训期间安排“三下乡”经验交流，每个乡镇发言不超过5分钟。

联系人：团县委组织部 王明；电话：0739-5551234

共青团青禾县委员会
2025年5月20日
"""


TRANSFER = """华岳建工集团团委

关于做好新入职团员组织关系转接工作的通知

各二级单位团委：

一、转接时限

1．在集团内部二级单位之间调动的团员，应在调动后1个月内在网上办理组织关系转接。

2．新入职团员的组织关系9月20日前全部完成转接。

3．集团团委管理转接工作，每月汇总各单位转接情况，对超过30天未完成转接的单位通报。

4．无法在网上转接组织关系的，团员本人持纸质介绍信到华岳大厦1106室办理。

二、入职教育

新入职团员须参加不少于2课时的团员入职教育，由二级单位团委组织。

三、联系方式

集团团委：赵宁，电话0551-66668888

华岳建工集团团委
2025年7月1日
"""


def _plan() -> str:
    """Another region's plan: many sentences on 团干部 and 培训班 (none says when to report), and many on
    other work, so that those words are rare enough to weigh."""
    lines = ["共青团石浦市委员会", "", "石浦共青团2025年工作要点", "", "一、加强团干部队伍建设", ""]
    for n in range(1, 46):
        lines.append(f"{n}．第{n}期团干部培训班要围绕团干部履职能力设置第{n}个专题，培训班结束后开展测评。")
    lines += ["", "二、服务青年发展", ""]
    for n in range(1, 301):
        lines.append(f"{n}．第{n}个社区要做好青年志愿服务登记和第{n}批青少年权益维护工作。")
    lines += ["", "共青团石浦市委员会", "2025年1月10日", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def kb(tmp_path_factory, data_dir):
    return notices_written(tmp_path_factory.mktemp("slots"), {
        "qinghe_training.txt": TRAINING, "shipu_plan.txt": _plan(), "huayue_transfer.txt": TRANSFER},
        data_dir, with_plans=True)


def test_the_report_day_and_hour_come_from_the_notice_the_question_names(kb):
    # 青禾 and 培训班 are words of the notice's title, not of its short 报到 sentence: they must still
    # bring that sentence in among the candidates, ahead of the plan's many 团干部培训班 sentences.
    answer = kb.ask("青禾团干部培训班哪天报到，几点？")
    assert answer.matched and "6月3日" in answer.text, answer.text
    # the clock time is one fact, not cut at its colon ("6月3日9。")
    lead = answer.text.splitlines()[0]
    assert "9:00" in lead and "11:30" in lead, answer.text


def test_where_is_answered_with_the_place_not_the_phone_line(kb):
    answer = kb.ask("青禾培训班在哪儿办？")
    assert answer.matched and "人民路88号" in answer.text, answer.text
    assert "0739-5551234" not in answer.text.splitlines()[0], answer.text


def test_an_everyday_yixia_is_no_numbered_name(kb):
    # 发一下 is "send it"; 一下 must not read as a numbered name that "周六下午" gives with another number.
    answer = kb.ask("青禾培训班的地址发一下")
    assert answer.matched and "人民路88号" in answer.text, answer.text


def test_a_county_named_in_pinyin_is_the_notice_not_the_bundled_county_plan(kb):
    q = kb.analyzer.analyze("Qinghe county cadre training: where is it held?")
    assert any("青禾" in alt for t in q.terms for alt in t.alts), q.terms
    assert not q.regions, q.regions  # "county" after a name is that place's kind, not a region filter


def test_which_day_is_answered_with_a_calendar_date_not_a_time_limit(kb):
    # "几号" asks for a day: "调动后1个月内" shares the words, "9月20日前" is the day.
    answer = kb.ask("团员组织关系最晚几号得转完？")
    assert answer.matched and "9月20日" in answer.text, answer.text
    # and it is the passage ranked first (quoted first), not a tie broken by position
    assert "9月20日" in kb.search("团员组织关系最晚几号得转完？").hits[0].passage["text"]


def test_lessons_asked_are_answered_in_class_hours(kb):
    answer = kb.ask("新入职团员的入职教育要上几节课？")
    assert answer.matched and "2课时" in answer.text, answer.text


def test_who_and_which_phone_is_answered_with_the_contact_line(kb):
    # "电话多少" asks for the number to dial, not a quantity: the contact line leads, not the
    # sentence with the most figures.
    answer = kb.ask("集团团委管转接的是谁，电话多少")
    assert answer.matched and "0551-66668888" in answer.text and "赵宁" in answer.text, answer.text
    assert dials("集团团委管转接的是谁，电话多少") and not dials("电话多少，要交多少份材料")


def test_chinese_words_inside_an_english_question_count(kb):
    answer = kb.ask("Huayue: how many hours is the 入职教育?")
    assert answer.matched and "2课时" in answer.text, answer.text


def test_each_county_is_any_county_not_the_bundled_county_plan(kb):
    q = kb.analyzer.analyze("How many people can each county recommend?")
    assert not q.regions, q.regions


def test_where_to_go_is_answered_with_the_sentence_that_names_a_room(kb):
    # "去哪儿办" without 地址 or 电话: still a place asked for — the sentence naming a room answers.
    answer = kb.ask("网上转不了组织关系的话，带啥去哪儿办？")
    assert answer.matched and "1106室" in answer.text.splitlines()[0] + answer.text[:160], answer.text
