"""PDF ingest: lines the layout wrapped are joined into sentences, headings and signatures stay
apart, page numbers and running heads go, and a scan is refused with a message naming why."""
from pathlib import Path

import pytest

from db import Store
from knowledge.index import index_plans
from knowledge.ingest import IngestError, parse_file
from knowledge.ingest.pdf import NO_TEXT, pdf_text

from pdf_fixtures import SOURCES, make_pdf, make_scan  # tests/ is on sys.path


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    made = {name: make_pdf(SOURCES / f"{name}.txt", out / f"{name}.pdf")
            for name in ("school_tuiyou", "district_training")}
    made["scan"] = make_scan(out / "scan.pdf")
    return made


def test_wrapped_lines_become_whole_sentences_and_headings_stay_apart(pdfs):
    lines = pdf_text(pdfs["school_tuiyou"].read_bytes()).splitlines()
    # Each paragraph is one line again although the page broke it three or four times.
    assert "3．团课学习。推优对象须参加校团委组织的团课学习，累计学习时间不少于8学时，学习结束后参加结业测试。" in lines
    assert "一、推荐范围" in lines and "二、推荐程序" in lines and "三、其他事项" in lines
    assert lines[-2:] == ["共青团东莞市南城实验中学委员会", "2024年3月28日"]  # signature and date kept apart
    assert lines[1] == "关于开展2024年“推优入团”工作的通知"


def test_a_school_notice_in_pdf_gets_its_metadata_and_items(pdfs):
    doc, items = parse_file(pdfs["school_tuiyou"])
    assert (doc.title, doc.issuer, doc.region, doc.year, doc.date) == (
        "关于开展2024年“推优入团”工作的通知", "共青团东莞市南城实验中学委员会", "东莞市南城实验中学", 2024, "2024-03-28")
    steps = [it for it in items if it.kind == "item"]
    assert [it.heading for it in steps] == ["个人申请", "少先队推优", "团课学习", "组织审批"]
    assert steps[3].body == "校团委对各支部报送的推荐人选进行审核把关，并于5月30日前完成审批工作。"
    contact = [it.body for it in items if it.kind == "contact"]
    assert contact == ["联系人：校团委 刘老师，电话：0769-22456789"]


def test_two_pages_read_as_one_text_without_page_numbers_or_running_heads(pdfs):
    from pdfminer.high_level import extract_pages

    assert len(list(extract_pages(pdfs["district_training"]))) == 2
    text = pdf_text(pdfs["district_training"].read_bytes())
    assert "— 1 —" not in text and "— 2 —" not in text
    assert text.count("共青团嘉兴市南湖区委员会") == 1  # the running head gone, the signature kept
    doc, items = parse_file(pdfs["district_training"])
    assert (doc.issuer, doc.region, doc.date) == ("共青团嘉兴市南湖区委员会", "嘉兴市南湖区", "2024-02-26")
    labels = [it.label for it in items if it.kind in ("item", "paragraph")]
    assert labels == [
        "一、团员教育培训 （一）集中学习", "一、团员教育培训 （二）网上学习", "一、团员教育培训 （三）实践锻炼",
        "二、团干部教育培训 1．新任团干部岗前培训", "二、团干部教育培训 2．基层团干部轮训",
        "二、团干部教育培训 3．骨干团干部示范培训", "三、工作保障 （一）落实培训经费",
        "三、工作保障 （二）建立培训档案", "三、工作保障 （三）强化督查考核"]
    # A sentence that ran across the page break is whole again.
    assert any("培训完成率低于80%的单位进行通报，并取消其当年评先评优资格" in s for it in items for s in it.sentences)


def test_a_scanned_pdf_is_refused_with_a_clear_message(pdfs, tmp_path):
    with pytest.raises(IngestError) as err:
        parse_file(pdfs["scan"])
    assert str(err.value) == NO_TEXT == "没有文字层（可能是扫描件），请提供文字版或 .docx"
    errors = []
    report = index_plans(Store(tmp_path / "x.db"), [pdfs["scan"], pdfs["school_tuiyou"]], on_error=errors.append)
    assert report.indexed == ["school_tuiyou"]  # the scan breaks nothing else
    assert errors == [f"{pdfs['scan']}: {NO_TEXT}"]


@pytest.mark.parametrize("content,why", [(b"%PDF-1.4\n%garbage", "PDF"), (b"not a pdf at all", "PDF")])
def test_a_damaged_pdf_is_an_error_with_a_reason(tmp_path, content, why):
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        parse_file(path)
    assert why in str(err.value)
