"""The plans' deadlines as knowledge/ finds them: one obligation per date, titled by its clause, cited,
resolved against the document (the alert planning on top of them is tested in test_deadlines.py)."""
import datetime as dt

from knowledge.plan_deadlines import obligation, plan_deadlines


def passage(text, **kw):
    return dict(dict(text=text, doc_key="d1", doc_title="某某共青团工作考核的通知", doc_year=2017,
                     doc_date="2017-12-06", region="东莞", section="三、报送要求"), **kw)


def test_a_notice_deadline_keeps_its_hour_its_words_and_its_source():
    [d] = plan_deadlines([passage("请各单位于2018年1月26日下午下班前将工作开展情况表发送至组织部邮箱。")])
    assert (d.date, d.time, d.due_text) == (dt.date(2018, 1, 26), dt.time(17, 30), "2018年1月26日下午下班前")
    assert d.title == "请各单位于2018年1月26日下午下班前将工作开展情况表发送至组织部邮箱"
    assert (d.region, d.section, d.doc_key) == ("东莞", "三、报送要求", "d1")


def test_year_less_dates_take_the_documents_year_and_the_same_obligation_counts_once():
    rows = [passage("12月底前完成团员统计。", doc_year=2019, doc_date=None),
            passage("12月底前完成团员统计。", doc_year=2019, doc_date=None)]
    found = plan_deadlines(rows)
    assert [(d.date, d.title) for d in found] == [(dt.date(2019, 12, 31), "12月底前完成团员统计")]
    other_doc = plan_deadlines(rows + [passage("12月底前完成团员统计。", doc_key="d2", doc_year=2019, doc_date=None)])
    assert len(other_doc) == 2 and len({d.key for d in other_doc}) == 2


def test_a_date_standing_alone_takes_the_next_clause_and_long_titles_are_cut():
    assert obligation("2017年底，将初中阶段毕业班团青比例控制在30%以内；", "2017年底") == \
        "2017年底，将初中阶段毕业班团青比例控制在30%以内"
    long = "年内" + "开展青年志愿服务活动" * 10
    assert obligation(long, "年内").endswith("…") and len(obligation(long, "年内")) == 60


def test_the_bundled_plans_deadlines(store):
    found = {d.due_text: d for d in plan_deadlines(store.knowledge.plan_passages())}
    assert found["2018年1月26日下午下班前"].region == "东莞"
    assert found["6月份"].date == dt.date(2017, 6, 30)
    assert all(d.doc_title and d.excerpt for d in found.values())
