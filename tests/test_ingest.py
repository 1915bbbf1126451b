"""Ingest: metadata of each bundled plan, structure, debris dropped, tables kept, bad files reported."""
from pathlib import Path

import pytest

from db import Store
from knowledge.index import PLANS_DIR, index_plans
from knowledge.ingest import IngestError, parse_file, parse_text

PLANS = {p.name[:3]: p for p in PLANS_DIR.glob("*.txt")}


@pytest.mark.parametrize("key,title,issuer,region,year,date,number", [
    ("000", "东莞共青团2017年工作要点", "共青团东莞市委员会", "东莞", 2017, "2017-02-20", ""),
    ("001", "2019年全市共青团工作要点", "共青团宁波市委", "宁波", 2019, "2019-05-22", "甬团〔2019〕1号"),
    ("002", "团县委2020年工作要点", "团县委", "团县委", 2020, None, ""),
    ("003", "关于做好2017年度东莞共青团工作考核的通知", "共青团东莞市委员会", "东莞", 2017, "2017-12-06",
     "东团通〔2017〕23号"),
    ("004", "枣庄共青团2020年工作要点", "共青团枣庄市委", "枣庄", 2020, "2020-03-13", ""),
])
def test_metadata_of_each_plan(key, title, issuer, region, year, date, number):
    doc, _ = parse_file(PLANS[key])
    assert (doc.title, doc.issuer, doc.region, doc.year, doc.date, doc.doc_number) == \
        (title, issuer, region, year, date, number)


def test_sections_and_numbered_items():
    _, items = parse_file(PLANS["000"])
    numbered = [it for it in items if it.kind == "item"]
    assert [it.item_no for it in numbered] == [str(n) for n in range(1, 16)]
    five = numbered[4]
    assert (five.section_no, five.heading) == ("二", "从严管好团员队伍")
    assert "不少于20学时的团课学习" in five.body and five.label.endswith("5．从严管好团员队伍")


def test_subsections_of_the_assessment_notice():
    _, items = parse_file(PLANS["003"])
    smart = next(it for it in items if it.heading == "“智慧团建”工作情况")
    assert (smart.section_no, smart.sub_no, smart.item_no) == ("三", "三", "2")


def test_web_debris_dropped_but_contacts_kept():
    _, items = parse_file(PLANS["004"])
    text = "\n".join(it.body for it in items)
    for debris in ("今天是", "点击", "您当前位置", "技术支持", "版权所有", "滕州信息港"):
        assert debris not in text
    contact = "\n".join(it.body for it in items if it.kind == "contact")
    assert "民生路629号" in contact and "277800" in contact and "3318652" in contact
    # the site's record numbers are facts about the website, not a way to reach anyone (issue 12)
    assert "ICP" not in contact and "37040002003001" not in contact
    filing = "\n".join(it.body for it in items if it.kind == "filing")
    assert "鲁ICP备19047274号" in filing and "37040002003001" in filing


def test_the_form_at_the_end_of_the_notice_stays_readable():
    _, items = parse_file(PLANS["003"])
    rows = [it.body for it in items if it.kind == "table"]
    assert rows[0] == "（一） 青少年思想引领及青年人才工作"
    assert rows[2] == "（三） “网上共青团”建设工作"
    assert len(rows) == 5


def test_departments_are_linked_to_their_contacts():
    _, items = parse_file(PLANS["003"])
    linked = [it for it in items if it.kind == "contact" and "负责部门" in it.body]
    media = next(it for it in linked if it.heading.startswith("新媒体工作情况"))
    assert "宣传部" in media.body and "2219564@163.com" in media.body


def test_gb18030_and_utf16_files_are_read(tmp_path):
    text = PLANS["002"].read_text(encoding="utf-8")
    for enc in ("gb18030", "utf-16"):
        path = tmp_path / f"plan-{enc}.txt"
        path.write_bytes(text.encode(enc))
        assert parse_file(path)[0].title == "团县委2020年工作要点"


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "空的"),
    ("binary.txt", b"\x00\x01\x02\xff\xfe\x00", "二进制"),
    ("random.pdf", b"%PDF-1.4", "PDF"),
    ("notice.doc", b"\xd0\xcf\x11\xe0", "不支持的格式 .doc（请另存为 .docx 或 .pdf）"),
])
def test_unusable_files_raise_a_clear_error(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        parse_file(path)
    assert reason in str(err.value)


def test_a_bad_file_is_reported_and_the_index_stays_intact(tmp_path):
    store = Store(tmp_path / "x.db")
    index_plans(store)
    before = store.knowledge.passage_count()
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00garbage")
    errors = []
    report = index_plans(store, [bad, tmp_path / "missing.txt"], on_error=errors.append)
    assert len(report.failed) == 2 and len(errors) == 2
    assert "broken.txt" in errors[0] and "二进制" in errors[0]
    assert "missing.txt" in errors[1] and "文件不存在" in errors[1]
    assert store.knowledge.passage_count() == before


def test_reindexing_an_unchanged_plan_is_skipped_and_a_changed_one_replaced(tmp_path):
    store = Store(tmp_path / "x.db")
    plan = tmp_path / "plan.txt"
    plan.write_text(PLANS["002"].read_text(encoding="utf-8"), encoding="utf-8")
    assert index_plans(store, [plan]).indexed == ["plan"]
    assert index_plans(store, [plan]).unchanged == ["plan"]
    plan.write_text(PLANS["002"].read_text(encoding="utf-8").replace("8 学时", "12 学时"), encoding="utf-8")
    assert index_plans(store, [plan]).indexed == ["plan"]
    assert len(store.knowledge.documents()) == 1


def test_docx_is_accepted_when_python_docx_is_installed(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    for line in PLANS["002"].read_text(encoding="utf-8").splitlines()[:12]:
        d.add_paragraph(line)
    path = tmp_path / "county.docx"
    d.save(path)
    doc, items = parse_file(path)
    assert doc.title == "团县委2020年工作要点" and any(it.item_no == "2" for it in items)


def test_parse_text_needs_some_structure():
    with pytest.raises(IngestError):
        parse_text("\n\n  \n")
