"""Near misses a cadre actually asks, on notices written for this test: a year the notice is not of,
"may one do X" after a scene, "is there X", "how often does X happen", "how many may one X", "how to X"
asked of a line in a list of topics. Each is declined; its answerable twin, asked the same way, is
answered. Lexical engine (deterministic), plus the generated FAQ where an entry would answer by itself."""
import pytest

from conftest import notices_written
from knowledge import faq

ASSESSMENT = """共青团青禾县委员会

关于做好2023年度基层团组织工作考核的通知

各乡镇团委、县直各单位团组织：

一、考核材料

各单位须于2024年1月20日前将年度工作总结和考核自评表报送县团委组织部。

二、宣讲活动

全年开展不少于30场青年宣讲活动，每场参加人数不少于50人。

三、阵地建设

县青年志愿者协会于2021年成立，负责全县志愿者注册和培训。

四、培训内容

县团委年内举办基层团干部培训班，培训内容如下：

1．团的基础知识；

2．团员组织关系转接和团籍管理；

3．团费收缴和管理。

共青团青禾县委员会
2023年11月6日
"""

PRACTICE = """共青团青禾师范学院委员会

关于做好2025年暑期社会实践团队立项工作的通知

各学院团委：

一、团队立项

校级重点团队每支资助2000元，经费可用于购买意外保险和印制宣传材料。经费不得用于发放个人补贴。出发前各团队成员须参加不少于4课时的安全培训。

二、成果认定

完成实践并通过审核的学生，在第二课堂成绩单“社会实践”模块记2学分。每支团队提交实践报告1份。

三、例会

各团队每周召开1次队务例会，总结当周实践进展。

四、交流会

7月20日举办暑期实践团队交流会，限额60人。

共青团青禾师范学院委员会
2025年6月10日
"""


DUES = """共青团青禾县第三中学委员会

关于做好2025年秋季学期团费收缴和团员发展工作的通知

各班团支部：

一、团费

（一）学生团员每月交纳团费0.2元，按学期交清。

（二）团员自愿多交团费的，可以本人书面申请后按实收取，团组织不得强制多交。

（三）连续3个月以上未交纳团费的团员，当年不得评为优秀团员。

二、发展团员

本学期七年级学生不安排发展团员。星级团员一星由团支部评定，二星由团总支评定，三星由校团委评定。

共青团青禾县第三中学委员会
2025年9月1日
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory, data_dir):
    kb = notices_written(tmp_path_factory.mktemp("scope"), {
        "qinghe_assessment_2023.txt": ASSESSMENT, "qinghe_practice_2025.txt": PRACTICE,
        "qinghe_dues_2025.txt": DUES}, data_dir)
    faq.rebuild(kb)  # the generated entries answer first: they must decline the same near misses
    kb.reload_faq()
    return kb


def test_a_question_about_another_year_is_not_answered_by_this_years_figure(kb):
    assert "30场" in kb.ask("青禾县团委今年要开展多少场宣讲？").text
    # The notice names 2021 (the association), so 2021 is a year the documents know — but the 30 sessions
    # are 2023's, and the sentence never says 2021.
    answer = kb.ask("2021年一共开展了多少场青年宣讲活动？")
    assert not answer.matched, answer.text


def test_a_deadline_in_the_asked_year_does_not_make_a_plan_of_that_year(kb):
    assert "1月20日" in kb.ask("2023年度考核材料什么时候报送？").text
    # 2024年1月20日 is the deadline for 2023's assessment: nothing is said about 2024's.
    answer = kb.ask("2024年度考核材料什么时候报送？")
    assert not answer.matched, answer.text
    # … unless the question asks about a date in that year itself.
    assert "1月20日" in kb.ask("2024年1月要报送什么材料？").text


def test_may_one_after_a_scene_needs_the_deed_even_beside_a_rule(kb):
    assert "意外保险" in kb.ask("重点团队那2000元经费，能购买意外保险吗？").text
    # The scene shares every word with the notice; the deed (报销车票) is nowhere in it, and the rule next to
    # it (不得用于发放个人补贴) is about something else.
    for question in ("重点团队那2000元经费，能报销往返车票吗？", "实践通过审核的学生，奖学金评定能加分吗？"):
        answer = kb.ask(question)
        assert not answer.matched, (question, answer.text)


def test_is_there_a_thing_needs_the_thing_named(kb):
    assert "2000元" in kb.ask("重点团队有没有经费资助？").text
    # 实践报告 is named, a template for it is not.
    for question in ("实践报告有没有统一模板？", "实践报告有固定的格式要求吗？"):
        answer = kb.ask(question)
        assert not answer.matched, (question, answer.text)


def test_how_often_a_thing_happens_needs_the_thing_named(kb):
    assert "每周召开1次" in kb.ask("团队多久开一次队务例会？").text
    # 每周 is there, and 召开1次, and 团队 — but for the team's own meeting, not a joint one.
    answer = kb.ask("团队多久开一次联席会？")
    assert not answer.matched, answer.text


def test_may_one_is_answered_by_a_suspended_activity_not_by_a_rule_on_another_verb(kb):
    assert "按实收取" in kb.ask("团员想自愿多交团费可以吗？").text
    assert "不安排" in kb.ask("七年级的娃这学期能入团不？").text
    # 可以…按实收取 and 不得强制 rule on other verbs: whether the extra can be refunded is not said.
    answer = kb.ask("多交的团费以后还能退回来吗？")
    assert not answer.matched, answer.text


def test_lessons_asked_are_answered_in_class_periods(kb):
    assert "4课时" in kb.ask("出发前的安全培训要上几节课？").text


def test_an_faq_entry_is_not_an_answer_when_its_source_cannot_hold_the_kind_asked(kb):
    from knowledge import answerable

    rows = [r for r in kb.passages(list(range(1, 200))).values() if "限额60人" in r["text"]]
    assert rows
    # The entry made from "7月20日举办…交流会，限额60人" answers how many, or when — not how much money.
    assert answerable.sources_hold(kb, kb.analyzer.analyze("暑期实践团队交流会限额多少人？", None), rows)
    assert not answerable.sources_hold(kb, kb.analyzer.analyze("暑期实践团队交流会要交多少钱？", None), rows)


def test_how_many_one_may_needs_the_deed_named(kb):
    assert "校团委" in kb.ask("星级团员三星由谁评定？").text
    # Who awards each star is said; how many a branch may put forward (推荐) is not.
    answer = kb.ask("星级团员三星每个支部能推荐几个？")
    assert not answer.matched, answer.text


def test_how_to_do_a_thing_is_not_answered_by_its_line_in_a_list_of_topics(kb):
    # "团员组织关系转接和团籍管理；" is one topic of a training course: it says the course covers it, not how.
    assert kb.ask("团干部培训班讲不讲组织关系转接？").matched
    for question in ("参军入伍的团员，团组织关系怎么转？", "团员组织关系怎么转接？"):
        answer = kb.ask(question)
        assert not answer.matched, (question, answer.text)


def test_may_one_after_a_scene_is_answered_by_a_rule_on_the_deeds_own_verb(kb):
    # 评优秀 is not written, but 不得评为优秀 rules on the very verb: that is the answer.
    answer = kb.ask("团员连续3个月以上没交团费，当年还能评优秀不？")
    assert answer.matched and "不得评为优秀" in answer.text, answer.text
