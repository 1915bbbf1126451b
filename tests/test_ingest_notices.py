"""Notices as they come from schools, colleges, counties, companies and the centre (written for these
tests, organisations made up): metadata from the document's own text, sections and items found,
page debris dropped, contacts kept; and a city named by the issuer counts for that city."""
from pathlib import Path

import pytest

from db import Store
from knowledge.base import KnowledgeBase
from knowledge.index import index_plans
from knowledge.ingest import parse_file
from knowledge.ingest.meta import org_parts, region_of_issuer

DATA = Path(__file__).parent / "data" / "ingest"


@pytest.mark.parametrize("name,title,issuer,region,year,date,number", [
    ("college_web_fazhan.txt", "关于做好2024年春季学期发展团员工作的通知", "共青团宁波海曙职业技术学院委员会",
     "宁波海曙职业技术学院", 2024, "2024-03-11", ""),
    ("county_tuanfei.gb18030.txt", "关于做好2024年度团费收缴工作的通知", "共青团绍兴市柯桥区委员会",
     "绍兴市柯桥区", 2024, "2024-03-05", "柯团发〔2024〕3号"),
    ("enterprise_huanjie.utf16.txt", "关于做好所属团支部集中换届工作的通知", "共青团浙江海晨能源集团有限公司委员会",
     "浙江海晨能源集团有限公司", 2023, "2023-09-20", "海晨团〔2023〕9号"),
    ("central_plan.html", "基层团组织规范化建设三年行动计划（2024—2026年）", "共青团中央", "团中央", 2024,
     "2024-01-10", "中青发〔2024〕2号"),
])
def test_metadata_comes_from_the_notice_itself(name, title, issuer, region, year, date, number):
    doc, _ = parse_file(DATA / name)
    assert (doc.title, doc.issuer, doc.region, doc.year, doc.date, doc.doc_number) == \
        (title, issuer, region, year, date, number)


def test_the_signed_date_beats_the_web_pages_publishing_date():
    doc, items = parse_file(DATA / "college_web_fazhan.txt")  # 发布时间 2024-03-11 09:32, signed 2024年3月11日
    assert doc.date == "2024-03-11" and doc.date_text == ""
    doc, _ = parse_file(DATA / "central_plan.html")  # published 2024-01-15, signed 2024年1月10日
    assert doc.date == "2024-01-10"


def test_web_debris_is_dropped_and_the_notice_kept():
    _, items = parse_file(DATA / "college_web_fazhan.txt")
    text = "\n".join(it.body for it in items)
    for debris in ("今天是", "学院概况", "您现在的位置", "浏览次数", "字体", "上一篇", "下一篇", "打印本页", "关闭窗口"):
        assert debris not in text, debris
    steps = [it for it in items if it.kind == "item"]
    assert [it.heading for it in steps] == ["推荐确定发展对象", "开展团前培训", "公示", "支部大会讨论", "入团仪式"]
    assert steps[4].label == "二、工作步骤 5．入团仪式"
    rules = [it for it in items if it.section_no == "一" and it.kind == "paragraph"]
    assert [it.sub_no for it in rules] == ["一", "二"] and rules[0].body.startswith("本学期全校发展团员名额共计85名")


def test_contacts_are_kept_whole_and_the_footer_contacts_too():
    _, items = parse_file(DATA / "college_web_fazhan.txt")
    contacts = [it.body for it in items if it.kind == "contact"]
    assert "联系人：校团委组织部 陈老师；联系电话：0574-88223456；电子邮箱：qtw_zzb@hsvtc-demo.edu.cn" in contacts
    footer = next(c for c in contacts if "地址" in c)
    assert "宁波市海曙区学府路88号" in footer and "315000" in footer and "0574-88223400" in footer
    assert not any("ICP" in c for c in contacts)  # a site record number is no contact (issue 12)
    assert any("浙ICP备12345678号-1" in it.body for it in items if it.kind == "filing")


def test_short_rules_numbered_like_subsections_are_not_lost():
    _, items = parse_file(DATA / "county_tuanfei.gb18030.txt")
    rules = {it.sub_no: it.body for it in items if it.section_no == "一"}
    assert rules["二"] == "学生团员、农村团员、下岗失业团员每月交纳团费0.2元。"
    assert set(rules) == {"一", "二", "三"}
    assert any(it.heading == "附件" and "团费收缴情况统计表" in it.body for it in items)


@pytest.mark.parametrize("line,name,dept", [
    ("共青团东莞市委员会", "东莞市", ""), ("共青团宁波市委办公室", "宁波市", "办公室"), ("团县委", "县", ""),
    ("某某大学团委", "某某大学", ""), ("校团委组织部", "校", "组织部"), ("共青团中央", "中央", ""),
    ("共青团某某集团有限公司委员会", "某某集团有限公司", ""), ("团东莞市委", "东莞市", ""),
])
def test_organisation_lines_are_recognised(line, name, dept):
    assert org_parts(line) == (name, dept)


@pytest.mark.parametrize("line", ["各基层一级团委", "（二）团支部", "各镇（街道）、厂局团委：", "全体团员", "团员"])
def test_lines_that_only_mention_committees_are_not_issuers(line):
    assert org_parts(line) is None


@pytest.mark.parametrize("issuer,region", [
    ("共青团东莞市委员会", "东莞"), ("共青团绍兴市柯桥区委员会", "绍兴市柯桥区"), ("共青团柯桥区委员会", "柯桥"),
    ("共青团浙江省委员会", "浙江"), ("团县委", "团县委"), ("共青团中央", "团中央"),
    ("共青团东莞市南城实验中学委员会", "东莞市南城实验中学"), ("某某大学团委组织部", "某某大学"),
])
def test_the_region_is_what_the_issuer_calls_itself(issuer, region):
    assert region_of_issuer(issuer) == region


@pytest.fixture(scope="module")
def school_kb(tmp_path_factory, data_dir):
    """The bundled plans plus a 东莞 school's notice and a 柯桥 district's."""
    store = Store(tmp_path_factory.mktemp("db") / "x.db")
    index_plans(store)
    folder = tmp_path_factory.mktemp("in")
    (folder / "school.txt").write_text("\n".join([
        "共青团东莞市南城实验中学委员会", "关于开展2024年团员教育评议工作的通知", "各团支部：",
        "一、评议时间", "团员教育评议工作于6月20日前完成，评议结果报校团委备案。",
        "二、评议方式", "评议采取个人自评、团员互评和支部测评相结合的方式进行。",
        "共青团东莞市南城实验中学委员会", "2024年5月6日"]), encoding="utf-8")
    index_plans(store, [folder, DATA / "county_tuanfei.gb18030.txt"])
    return KnowledgeBase(store, str(data_dir))


def test_a_place_in_the_issuer_makes_the_notice_that_places(school_kb):
    assert school_kb.analyzer.regions_for("东莞") == ["东莞", "东莞市南城实验中学"]
    assert school_kb.analyzer.regions_for("柯桥") == ["绍兴市柯桥区"]
    answer = school_kb.ask("东莞的团员教育评议什么时候完成？")
    assert answer.matched and "6月20日" in answer.text
    assert answer.sources[0]["city"] == "东莞市南城实验中学"
    answer = school_kb.ask("柯桥学生团员每月交多少团费？")
    assert answer.matched and "0.2元" in answer.text and answer.sources[0]["city"] == "绍兴市柯桥区"


def test_an_asker_in_the_city_gets_the_schools_notice_first(school_kb):
    lead = school_kb.ask("评议结果报哪里备案？", "东莞")
    assert lead.matched and lead.sources[0]["city"] == "东莞市南城实验中学"


def test_a_date_in_chinese_numerals_joint_issuers_and_a_menu_bar():
    from knowledge.ingest import parse_text

    doc, items = parse_text("\n".join([
        "网站首页　学院概况　团学动态　通知公告", "学院新闻 | 通知公告 | 青春风采",
        "关于开展2024年“五四”评优表彰工作的通知", "各学院团委：",
        "经研究，决定开展2024年度“五四”评优表彰工作，申报材料于4月15日前报送校团委。",
        "一、表彰项目", "评选五四红旗团支部10个、优秀共青团员50名。",
        "共青团某某县委员会　某某县教育局", "二〇二四年三月十五日"]))
    assert (doc.title, doc.issuer, doc.region, doc.date) == (
        "关于开展2024年“五四”评优表彰工作的通知", "共青团某某县委员会", "某某县", "2024-03-15")
    assert not any("首页" in it.body or "青春风采" in it.body for it in items)


def test_facts_written_into_headings_are_kept_and_articles_are_items():
    from knowledge.ingest import parse_text

    _, items = parse_text("\n".join([
        "共青团某某学院委员会", "关于举办2024年团干部培训班的通知", "各团总支：",
        "一、培训时间：2024年5月10日至5月12日", "二、培训地点为学院图书馆报告厅", "三、参训对象", "各团总支书记、副书记。",
        "四、有关要求", "1．报名方式：请于5月6日前将报名表发至邮箱。", "2．参训人员须全程参加，不得请假。",
        "共青团某某学院委员会", "2024年4月20日"]))
    found = {it.label: it.body for it in items if it.kind in ("item", "paragraph")}
    assert found["一、培训时间"] == "2024年5月10日至5月12日"
    assert found["二、培训地点为学院图书馆报告厅"] == "培训地点为学院图书馆报告厅"
    assert found["四、有关要求 1．报名方式"] == "请于5月6日前将报名表发至邮箱。"
    assert found["四、有关要求 2．"] == "参训人员须全程参加，不得请假。"
    doc, items = parse_text("\n".join([
        "某某镇团委团费管理实施细则", "第一章 总则", "第一条 为规范团费收缴、使用和管理，制定本细则。",
        "第二章 收缴", "第三条 团员每月交纳团费0.2元，可以按季度交纳。", "某某镇团委", "2024年1月2日"]))
    assert (doc.issuer, doc.region, doc.date) == ("某某镇团委", "某某镇", "2024-01-02")
    assert [(it.label, it.body) for it in items if it.kind == "item"] == [
        ("第一章 总则 第一条", "为规范团费收缴、使用和管理，制定本细则。"),
        ("第二章 收缴 第三条", "团员每月交纳团费0.2元，可以按季度交纳。")]
