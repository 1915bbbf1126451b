"""Ingest reads files as cadres have them: damaged UTF-16 is refused with a reason (the others still
load), a UTF-8 file with one bad byte stays UTF-8, saved web pages, .docx in document order with
Word's automatic numbers; formats it cannot read are skipped in a folder and named."""
import shutil
from pathlib import Path

import pytest

from db import Store
from knowledge.index import PLANS_DIR, index_plans, scan
from knowledge.ingest import IngestError, parse_file

DATA = Path(__file__).parent / "data" / "ingest"
COUNTY = (PLANS_DIR / "002_256fab50022ce976.txt").read_text(encoding="utf-8")


def _odd_length_utf16(path: Path) -> Path:
    path.write_bytes(COUNTY.encode("utf-16") + b"\x00")  # a BOM, then one byte too many
    return path


def _lone_surrogate_utf16(path: Path) -> Path:
    raw = bytearray(COUNTY.encode("utf-16-le"))
    raw[40:42] = b"\x00\xd8"  # a high surrogate with no low one after it
    path.write_bytes(b"\xff\xfe" + bytes(raw))
    return path


@pytest.mark.parametrize("damage,why", [(_odd_length_utf16, "字节数为奇数"), (_lone_surrogate_utf16, "代理")])
def test_damaged_utf16_is_refused_with_the_reason(tmp_path, damage, why):
    path = damage(tmp_path / "broken.txt")
    with pytest.raises(IngestError) as err:
        parse_file(path)
    assert "UTF-16" in str(err.value) and why in str(err.value)


def test_a_damaged_utf16_file_does_not_stop_the_others(tmp_path):
    folder = tmp_path / "plans"
    folder.mkdir()
    shutil.copy(PLANS_DIR / "002_256fab50022ce976.txt", folder / "county.txt")
    _odd_length_utf16(folder / "a-odd.txt")
    _lone_surrogate_utf16(folder / "b-surrogate.txt")
    errors = []
    report = index_plans(Store(tmp_path / "x.db"), [folder], on_error=errors.append)
    assert report.indexed == ["county"]
    assert [Path(p).name for p, _ in report.failed] == ["a-odd.txt", "b-surrogate.txt"]
    assert len(errors) == 2 and "a-odd.txt" in errors[0] and "UTF-16" in errors[0]


def test_a_utf8_file_with_one_bad_byte_is_still_read_as_utf8(tmp_path):
    raw = COUNTY.encode("utf-8")
    path = tmp_path / "plan.txt"
    path.write_bytes(raw[:300] + b"\xff" + raw[300:])
    doc, items = parse_file(path)
    assert doc.title == "团县委2020年工作要点"
    assert any("8 学时团前教育" in it.body for it in items)  # not GB18030 mojibake


def test_a_saved_web_page_is_read_without_its_scripts_and_navigation():
    doc, items = parse_file(DATA / "central_plan.html")
    text = "\n".join(it.body for it in items)
    assert doc.title == "基层团组织规范化建设三年行动计划（2024—2026年）"
    for debris in ("_hmt", "font-family", "机构设置", "当前位置", "分享到", "上一篇", "阅读：5321"):
        assert debris not in text
    rows = [it.body for it in items if it.kind == "table"]
    assert rows[1] == "年份：2025年；重点：整顿提升；目标：软弱涣散团组织整顿转化率达到80%。"


def test_docx_paragraphs_and_tables_keep_their_order_and_word_numbers(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("共青团示例大学委员会")
    d.add_paragraph("关于做好2024年团员教育评议工作的通知")
    d.add_paragraph("各学院团委：")
    d.add_paragraph("一、评议时间")
    d.add_paragraph("评议工作于5月10日前完成。")
    d.add_paragraph("二、评议步骤")
    for text in ("个人总结。团员对照标准撰写个人总结。", "民主评议。团支部召开团员大会进行评议。"):
        d.add_paragraph(text, style="List Number")  # Word numbers these itself: "1." is not in the text
    d.add_paragraph("三、名额分配")
    table = d.add_table(rows=2, cols=2)
    for cell, text in zip(table.rows[0].cells + table.rows[1].cells, ("学院", "优秀名额", "文学院", "12")):
        cell.text = text
    d.add_paragraph("共青团示例大学委员会")
    d.add_paragraph("2024年4月2日")
    path = tmp_path / "eval.docx"
    d.save(path)
    doc, items = parse_file(path)
    assert (doc.issuer, doc.region, doc.date) == ("共青团示例大学委员会", "示例大学", "2024-04-02")
    steps = [it for it in items if it.kind == "item"]
    assert [(it.item_no, it.heading) for it in steps] == [("1", "个人总结"), ("2", "民主评议")]
    assert steps[0].label == "二、评议步骤 1．个人总结"
    assert [it.body for it in items if it.kind == "table"] == ["学院：文学院；优秀名额：12。"]


def test_a_folder_skips_and_names_what_ingest_cannot_read(tmp_path):
    folder = tmp_path / "in"
    (folder / "2024").mkdir(parents=True)
    shutil.copy(DATA / "college_web_fazhan.txt", folder / "fazhan.txt")
    shutil.copy(DATA / "central_plan.html", folder / "2024" / "plan.html")
    for name in ("old.doc", "scan.jpg", "forms.zip", "quota.xls", "2024/notes"):
        (folder / name).write_bytes(b"\xd0\xcf\x11\xe0 not text")
    (folder / ".DS_Store").write_bytes(b"\x00")
    (folder / "2024" / "plan_files").mkdir()
    (folder / "2024" / "plan_files" / "logo.png").write_bytes(b"\x89PNG")  # a saved page's pictures
    (folder / "~$fazhan.docx").write_bytes(b"lock")
    files, skipped = scan([folder])
    assert sorted(f.name for f in files) == ["fazhan.txt", "plan.html"]
    reasons = {Path(p).name: why for p, why in skipped}
    assert reasons["old.doc"] == "不支持的格式 .doc（请另存为 .docx 或 .pdf）"
    assert "图片" in reasons["scan.jpg"] and "解压" in reasons["forms.zip"] and ".xls" in reasons["quota.xls"]
    assert "扩展名" in reasons["notes"]
    assert set(reasons) == {"old.doc", "scan.jpg", "forms.zip", "quota.xls", "notes"}  # no .DS_Store, ~$, _files


def test_an_unsupported_file_named_on_its_own_is_an_error_not_a_skip(tmp_path):
    path = tmp_path / "通知.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    errors = []
    report = index_plans(Store(tmp_path / "x.db"), [path], on_error=errors.append)
    assert report.failed and not report.skipped
    assert "通知.doc" in errors[0] and "请另存为 .docx 或 .pdf" in errors[0]


def test_two_files_with_one_name_index_one_and_say_why(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(DATA / "college_web_fazhan.txt", tmp_path / sub / "通知.txt")
    files, skipped = scan([tmp_path])
    assert len(files) == 1 and len(skipped) == 1 and "同名" in skipped[0][1]


@pytest.mark.parametrize("name,encoding,width", [
    ("college_web_fazhan.txt", "utf-8", 30), ("county_tuanfei.gb18030.txt", "gb18030", 24),
    ("county_tuanfei.gb18030.txt", "gb18030", 36)])
def test_a_text_hard_wrapped_every_n_characters_reads_as_the_original(name, encoding, width):
    from knowledge.ingest import parse_text

    text = (DATA / name).read_bytes().decode(encoding)
    wrapped = "\n".join(ln if len(ln) <= width else "\n".join(ln[i:i + width] for i in range(0, len(ln), width))
                        for ln in text.splitlines())
    (doc, items), (wdoc, witems) = parse_text(text), parse_text(wrapped)
    assert (wdoc.title, wdoc.issuer, wdoc.region, wdoc.date) == (doc.title, doc.issuer, doc.region, doc.date)
    assert [(it.label, it.body) for it in witems[1:]] == [(it.label, it.body) for it in items[1:]]


def test_a_typed_document_is_not_mistaken_for_a_wrapped_one():
    from knowledge.ingest.clean import unwrap

    lines = (PLANS_DIR / "001_655600bdde4567aa.txt").read_text(encoding="utf-8").splitlines()
    assert unwrap(lines) == lines


@pytest.mark.parametrize("n,fmt,shown", [(1, "chineseCounting", "一"), (10, "chineseCountingThousand", "十"),
                                         (12, "ideographTraditional", "十二"), (20, "chineseCounting", "二十"),
                                         (105, "chineseCounting", "一百零五"), (3, "decimal", "3"),
                                         (2, "decimalEnclosedCircle", "②")])
def test_word_list_numbers_are_written_as_the_document_shows_them(n, fmt, shown):
    from knowledge.ingest.read import _number

    assert _number(n, fmt) == shown
