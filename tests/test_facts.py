"""Facts in passages: the plans' deadlines resolved against the document's year, quantities with
their bounds, contacts; and the date words admins type (下周五, 月底)."""
import datetime as dt

import pytest

from knowledge.facts import find_contacts, find_deadlines, find_percentages, find_quantities
from knowledge.when import parse_when

D = dt.date


@pytest.mark.parametrize("sentence,year,issued,expect", [
    ("并于2018年1月26日下午下班前将工作开展情况表和支撑材料分项目以电子文档形式发送", 2017, D(2017, 12, 6),
     [("2018年1月26日下午下班前", D(2018, 1, 26), dt.time(17, 30))]),
    ("12月，团市委向各镇（街道）党政办发函，于12月底汇总至团市委组织部。", 2017, D(2017, 12, 6),
     [("12月底", D(2017, 12, 31), None)]),
    ("2017年底，将初中阶段毕业班团青比例控制在30%以内；", 2017, None, [("2017年底", D(2017, 12, 31), None)]),
    ("以6月份基层团委集中换届为契机", 2017, None, [("6月份", D(2017, 6, 30), None)]),
    ("2020 年底前，确保园区团组织全覆盖", 2020, None, [("2020 年底", D(2020, 12, 31), None)]),
    ("年内开展不少于40场宣讲活动", 2020, None, [("年内", D(2020, 12, 31), None)]),
    ("到2022年基本实现全覆盖", 2020, None, [("2022年", D(2022, 12, 31), None)]),
    ("请于1月10日前报送", 2017, D(2017, 12, 6), [("1月10日", D(2018, 1, 10), None)]),  # a December notice
    ("于3月5日上午10:30前报到", 2020, None, [("3月5日上午10:30", D(2020, 3, 5), dt.time(10, 30))]),
    ("明年6月底前完成", 2019, None, [("明年6月底", D(2020, 6, 30), None)]),
])
def test_deadlines_in_the_plans_are_resolved_against_the_document(sentence, year, issued, expect):
    found = [(f.text, f.date, f.time) for f in find_deadlines(sentence, year, issued)]
    assert found == expect


@pytest.mark.parametrize("sentence", [
    "考核时间为2017年1月至12月",  # a period, not something due
    "抓好《山东省中长期青年发展规划(2019-2025年)实施方案》的落地实施",
    "2019年全市共青团工作的总体思路是",  # a year named, nothing due
    "开展2017年度东莞共青团工作考核",
    "3年内完成全覆盖",  # a duration
    "12月，团市委向各镇发函",  # when something happens, not a date that is due
])
def test_periods_years_and_durations_are_not_deadlines(sentence):
    assert find_deadlines(sentence, 2019) == []


def test_quantities_keep_their_bounds_and_chinese_numerals_count():
    q = find_quantities("必须参加不少于二十学时的团课学习，年内开展不少于40场宣讲活动，控制在30%以内，70%以上的中学")
    assert [(x.value, x.unit, x.bound) for x in q] == [
        (20, "学时", ">="), (40, "场", ">="), (30, "%", "<="), (70, "%", ">=")]
    assert [p.value for p in find_percentages("组织密度增长率不低于10%，百分之六十以内")] == [10, 60]
    assert find_quantities("2017年底和6月份") == []  # dates are not quantities


def test_contacts_found_and_e_mail_digits_are_not_phones():
    text = ("联系人：李明，联系电话：22222832，邮箱：a22233740@126.com。地址:枣庄市新城区民生路629号 邮编:277800 "
            "举报电话(0632)3318652，手机13800138000")
    found = {(c.kind, c.value) for c in find_contacts(text)}
    assert found == {("person", "李明"), ("phone", "22222832"), ("email", "a22233740@126.com"),
                     ("address", "枣庄市新城区民生路629号"), ("postcode", "277800"),
                     ("phone", "(0632)3318652"), ("phone", "13800138000")}


MONDAY = D(2026, 11, 23)


@pytest.mark.parametrize("typed,expect", [
    ("2026-12-31 提交", (D(2026, 12, 31), None)),
    ("2026年12月31日 17:30 提交", (D(2026, 12, 31), dt.time(17, 30))),
    ("12月31日 提交", (D(2026, 12, 31), None)),
    ("1月5日 提交", (D(2027, 1, 5), None)),  # already past this year: next year
    ("下周五 提交", (D(2026, 12, 4), None)),
    ("周五", (D(2026, 11, 27), None)),
    ("月底", (D(2026, 11, 30), None)),
    ("下月底", (D(2026, 12, 31), None)),
    ("年底", (D(2026, 12, 31), None)),
    ("明天", (D(2026, 11, 24), None)),
    ("3天后", (D(2026, 11, 26), None)),
])
def test_admins_date_words(typed, expect):
    when = parse_when(typed, MONDAY)
    assert (when.date, when.time) == expect


@pytest.mark.parametrize("typed", ["2026-02-30", "提交材料", "13月5日", ""])
def test_not_a_date(typed):
    assert parse_when(typed, MONDAY) is None


def test_site_record_numbers_are_not_contacts():
    line = "网站备案号：粤ICP备2021012345号，京ICP证030173号，公安备案号：鲁公网安备 37040002003001号，电话：0769-22114722"
    assert [(c.kind, c.value) for c in find_contacts(line)] == [("phone", "0769-22114722")]
