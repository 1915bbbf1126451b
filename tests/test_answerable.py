"""A passage that shares a question's subject but cannot answer it is not the answer: one about 入团 for a
question about 入党, one with no date for 哪天. And a rule written as a subsection's first line is
indexed like any sentence. The notice below is written for this test (lexical engine: deterministic)."""
import pytest

from db import Store
from knowledge.base import KnowledgeBase
from knowledge.index import index_plans

NOTICE = """共青团青禾县第二中学委员会

关于做好2025年秋季学期发展团员和团费收缴工作的通知

各年级团总支、各班团支部：

现将本学期有关事项通知如下。

一、发展团员

（一）发展名额。本学期全校发展名额共30名。

（二）入团介绍人。入团介绍人由两名正式团员担任，介绍人须了解申请人的思想和学习情况。

（三）团员证。新团员的团员证由校团委免费发放。团支部报送的发展名单，校团委在收到后5个工作日内完成审核。

二、团费收缴

（一）教职工团员按季度交纳团费，每季度最后一个月的20日前交清。学生团员的团费可按学期交纳，春季学期于4月30日前、秋季学期于11月30日前交清。

（二）团费由各团支部组织委员统一收取并登记。

（三）学生团员、农村团员以及无固定收入的团员，每月交纳团费0.2元。

三、活动保障

参加志愿服务的团员，校团委按每人每天15元标准发放午餐补贴。

共青团青禾县第二中学委员会
2025年9月1日
"""


BRANCH_LIFE = """共青团青禾电子有限公司委员会

关于规范团支部组织生活的通知

各车间团支部：

一、会议制度

（一）支部团员大会每季度至少召开1次，支部委员会每月至少召开1次，团小组会每月至少召开1次。

（二）团课每季度至少组织1次，每次不少于45分钟。

（三）团员教育评议每年开展1次，安排在每年12月进行。

二、换届

各团支部以6月份集中换届为契机，加强团员教育。

共青团青禾电子有限公司委员会
2025年3月10日
"""


STARS = """共青团青禾区委员会关于开展星级志愿者认定工作的通知

各街道团工委：

一、认定标准

星级志愿者按累计志愿服务时长认定：累计满100小时为一星志愿者，满300小时为二星志愿者，满600小时为三星志愿者。

二、名额分配

全区推荐名额共20名，其中七年级8名、八年级12名。

三、育人载体

深化拓展希望工程、青年文明号和“三下乡”社会实践等育人载体。

四、申报

（一）星级志愿者于11月1日至11月20日登录平台提交申请。

（二）对弄虚作假的星级志愿者，撤销其星级称号，三年内不得重新申报。

（三）星级志愿者培训每周三下午在区青少年宫进行。

共青团青禾区委员会
2025年10月15日
"""


ASSESSMENT = """共青团青禾电子有限公司委员会

关于做好2025年度团支部工作考核的通知

各车间团支部：

一、考核安排

考核方案下发后，各团支部就本年度青年工作的考核项目和考核指标向公司党委作专题汇报。

二、考核方式

考核方式包括党政评价、团内考核、青年评议三类，在考核结果中的占比分别为30%、50%、20%。

共青团青禾电子有限公司委员会
2025年11月1日
"""


LECTURERS = """共青团青禾区委员会关于做好2025年宣讲工作的通知

各街道团工委：

一、组建

区青年讲师团由区团委牵头组建，成员从全区优秀团干部中遴选。讲师团成员遴选于10月8日进行。

二、协会

区青年志愿者协会于2018年成立，负责全区志愿者注册。协会每月组织一次志愿者培训。

三、宣讲安排

讲师团成员每人每学期到学校宣讲不少于4节课。宣讲活动在“青禾学堂”“青春课堂”等阵地开展。

四、联系方式

联系人：区团委宣传部 王老师
联系电话：0571-87654321

共青团青禾区委员会
2025年9月20日
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("notice")
    (folder / "qinghe_notice.txt").write_text(NOTICE, encoding="utf-8")
    (folder / "qinghe_branch.txt").write_text(BRANCH_LIFE, encoding="utf-8")
    (folder / "qinghe_stars.txt").write_text(STARS, encoding="utf-8")
    (folder / "qinghe_assessment.txt").write_text(ASSESSMENT, encoding="utf-8")
    (folder / "qinghe_lecturers.txt").write_text(LECTURERS, encoding="utf-8")
    store = Store(folder / "kb.db")
    report = index_plans(store, [folder])
    assert not report.failed
    return KnowledgeBase(store, str(data_dir), None)


def test_a_rule_on_a_subsections_first_line_is_found_and_quoted(kb):
    answer = kb.ask("教职工团员的团费几号之前要交清？")
    assert answer.matched and "20日前交清" in answer.text


def test_a_question_about_the_party_is_not_answered_by_the_leagues_rule(kb):
    assert kb.ask("入团介绍人要几名正式团员？").matched
    for question in ("入党介绍人要几名正式党员？", "入党介绍人要由几个人担任？"):
        answer = kb.ask(question)
        assert not answer.matched, answer.text


def test_a_question_for_a_date_is_not_answered_by_a_passage_without_one(kb):
    assert "15元" in kb.ask("午餐补贴每天多少钱？").text
    answer = kb.ask("午餐补贴几号发？")
    assert not answer.matched, answer.text


def test_a_passage_without_the_unit_asked_for_is_not_the_answer(kb):
    answer = kb.ask("参加志愿服务的团员满几岁才能领午餐补贴？")
    assert not answer.matched, answer.text


def test_a_question_for_an_amount_is_answered_by_the_sentence_that_names_one(kb):
    # "交多少团费" asks for money: the sentence on when students pay (no amount) is not the answer.
    answer = kb.ask("学生团员一个月交多少团费？")
    assert answer.matched and "0.2元" in answer.text, answer.text


def test_a_notice_about_league_branches_does_not_answer_for_party_branches(kb):
    # The sentence never says 团支部: its notice's title does. And 委员会, in every issuer's name, is
    # no evidence that a passage is about a 委员会.
    assert "每月" in kb.ask("支部委员会多久开一次？").text
    answer = kb.ask("党支部委员会多久开一次会？")
    assert not answer.matched, answer.text


def test_a_list_that_numbers_the_others_does_not_answer_for_a_number_it_lacks(kb):
    assert "300小时" in kb.ask("二星志愿者要多少小时？").text
    assert "12名" in kb.ask("八年级的推荐名额有多少？").text
    for question in ("五星志愿者要多少小时？", "九年级的推荐名额有多少？"):
        answer = kb.ask(question)
        assert not answer.matched, answer.text


def test_a_programme_only_named_in_a_list_does_not_answer_how_to_join_it(kb):
    assert "希望工程" in kb.ask("要深化拓展哪些育人载体？").text
    for question in ("希望工程具体怎么搞？", "How do I apply for a Hope Project grant?"):
        answer = kb.ask(question)
        assert not answer.matched, answer.text


def test_the_shape_of_the_asked_answer_is_not_a_word_to_match(kb):
    # 几月份 asks for a month: the sentence with 12月 answers, not one that happens to say 6月份;
    # 多长时间 asks for a length of time, not a date.
    assert "12月" in kb.ask("团员教育评议一般在几月份搞？").text
    assert "45分钟" in kb.ask("团课每次至少讲多长时间？").text


@pytest.fixture(scope="module")
def semantic_kb(tmp_path_factory, data_dir, embedder):
    """The same notices with the bundled model and the generated FAQ embedded, as after `bot.py ingest`."""
    from knowledge import faq
    from knowledge.dense import ensure_vectors
    from knowledge.faq_index import embed_generated

    folder = tmp_path_factory.mktemp("semantic")
    for name, text in (("qinghe_notice.txt", NOTICE), ("qinghe_stars.txt", STARS)):
        (folder / name).write_text(text, encoding="utf-8")
    store = Store(folder / "kb.db")
    assert not index_plans(store, [folder]).failed
    ensure_vectors(store, embedder)
    kb = KnowledgeBase(store, str(data_dir), embedder)
    faq.rebuild(kb)
    embed_generated(store, embedder)
    kb.reload_faq()
    return kb


def test_an_faq_entry_found_by_meaning_does_not_answer_for_another_number_or_the_party(semantic_kb):
    assert "300小时" in semantic_kb.ask("二星志愿者要多少小时？").text
    for question in ("六星志愿者要多少小时？", "入党介绍人由几名正式党员担任？"):
        answer = semantic_kb.ask(question)
        assert not answer.matched, answer.text


def test_an_faq_question_with_one_word_changed_to_its_contrast_is_not_answered_by_that_entry(semantic_kb):
    entries = [e for e in semantic_kb.faq.entries.values() if "入团" in e["question"] or "团员" in e["question"]]
    assert entries, "the generated FAQ asks about 入团/团员"
    for entry in entries:
        question = entry["question"].replace("入团", "入党").replace("团员", "党员")
        answer = semantic_kb.ask(question)
        assert answer.decision != "faq", (question, answer.text)


def test_one_word_of_a_passage_answers_one_word_of_the_question(kb):
    # assessment and evaluation both render as 考核: a sentence saying 考核 twice is not twice as good.
    answer = kb.ask("What does the youth evaluation count for in the assessment?")
    assert answer.matched and "20%" in answer.text, answer.text


def test_a_span_of_years_is_not_a_date_and_a_weekday_is(kb):
    assert "11月1日" in kb.ask("星级志愿者什么时候申报？").text
    assert "每周三" in kb.ask("星级志愿者培训在哪上，周几？").text


def test_answers_in_words_plans_use_for_a_date_or_an_amount(kb):
    # "免费" answers 多少钱; "收到后5个工作日内" answers 什么时候: they are no date or amount in figures.
    assert "免费" in kb.ask("团员证要交多少钱？").text
    assert "5个工作日内" in kb.ask("发展名单报上去，校团委什么时候审核完？").text


def test_a_means_of_contact_asked_by_name_is_not_answered_by_another(kb):
    assert "0571-87654321" in kb.ask("区团委宣传部的电话是多少？").text
    answer = kb.ask("区团委宣传部的传真号是多少？")
    assert not answer.matched, answer.text


def test_a_year_asked_for_is_not_answered_by_a_sentence_without_one(kb):
    assert "2018年" in kb.ask("区青年志愿者协会是哪年成立的？").text
    answer = kb.ask("讲师团成员遴选是哪一年开始的？")
    assert not answer.matched, answer.text


def test_a_count_of_lessons_needs_lessons_and_a_length_is_no_date(kb):
    assert "4节课" in kb.ask("讲师团成员每学期要宣讲几节课？").text
    for question in ("协会的志愿者培训一次上几节课？", "遴选要多长时间？"):
        answer = kb.ask(question)
        assert not answer.matched, answer.text


def test_where_a_programme_only_named_in_a_list_takes_place_is_not_answered(kb):
    answer = kb.ask("“青禾学堂”在哪里上课？")
    assert not answer.matched, answer.text



def test_who_does_a_thing_is_not_answered_by_a_passage_that_never_names_the_deed(kb):
    assert "区团委" in kb.ask("区青年讲师团由谁牵头组建？").text
    answer = kb.ask("区青年讲师团的成员由谁来任命？")
    assert not answer.matched, answer.text


def test_where_to_do_a_thing_is_not_answered_by_a_passage_that_never_names_the_deed(kb):
    assert "区青少年宫" in kb.ask("星级志愿者培训在哪里进行？").text
    answer = kb.ask("星级志愿者申请去哪里复核？")
    assert not answer.matched, answer.text


def test_whether_one_may_do_a_thing_needs_the_deed_or_a_rule(kb):
    # Named, or a rule that allows or forbids (可以, 不得 …): the passage can say yes or no.
    assert "按学期交纳" in kb.ask("学生团员的团费能按学期交吗？").text
    answer = kb.ask("协会的志愿者培训没去的话还能补训吗？")
    assert not answer.matched, answer.text
