"""Plans word things their own way: two words contracted to their first characters (选拔培养 → 选培), a
quoted campaign name spelled out in the sentence after it. A cadre's everyday question must still find
and show the answer. The notice is written here (lexical engine: deterministic)."""
import pytest

from conftest import notices_written

PLAN = """共青团青禾县委员会

青禾共青团2025年工作要点

一、加强青少年思想引领

1．围绕学习宣传党的创新理论这一主线，在全县各级团组织和青年群体中深化开展“三进三信”主题教育活动。以青年喜闻乐见的方式，推进党的创新理论进校园、进团课、进网络，入脑入心。

2．组织“青春宣讲团”深入乡镇宣讲，年内开展不少于20场。

二、服务乡村振兴

3．启动农村青年人才队伍提升行动，培养一批懂技术、善经营的青年致富能手。

4．深化“山乡好青年”选培计划，组织学习培训、观摩考察等活动，促进好青年成长发展。

5．实施青年返乡创业扶持计划，为返乡创业青年提供贷款贴息。

共青团青禾县委员会
2025年2月1日
"""


ACTIVITIES = """共青团青禾县石门街道工作委员会

关于开展“周末青春汇”青年活动的通知

各社区团支部：

一、活动安排

每周六下午在街道青年之家开展活动，每场限30人。

二、报名方式

关注“青禾青年”公众号报名，各场活动开始前2天截止报名。报名后无故缺席累计3次的，本年度内不再接受其报名。

三、工作要求

各社区团支部每月组织青年参加活动不少于1次，做好活动宣传。

共青团青禾县石门街道工作委员会
2025年3月1日
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory, data_dir):
    return notices_written(tmp_path_factory.mktemp("wording"),
                           {"qinghe_plan.txt": PLAN, "shimen_activities.txt": ACTIVITIES}, data_dir)


def test_words_the_plan_contracts_still_find_their_sentence(kb):
    # 选拔培养 is written 选培 in the plan; 培养 alone is in another item's sentence.
    answer = kb.ask("选拔培养农村好青年的那个计划叫什么？")
    assert answer.matched and "山乡好青年" in answer.text, answer.text


def test_a_quoted_campaign_asked_about_is_shown_with_the_sentence_that_spells_it_out(kb):
    answer = kb.ask("“三进三信”里的三进是进哪儿？")
    assert answer.matched and "进团课" in answer.text and "进网络" in answer.text, answer.text


def test_what_follows_is_answered_with_the_sentence_that_says_it(kb):
    # 报了名 is the verb 报名 split by 了; "会有啥后果" asks for the sentence that says what follows.
    answer = kb.ask("周末青春汇活动报了名又没去，会有啥后果？")
    assert answer.matched and "不再接受其报名" in answer.text.splitlines()[0] + answer.text[:200], answer.text
