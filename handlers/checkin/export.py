"""The 导出 workbook (XlsxWriter): every check-in, a per-member summary, and the assessment form.

The third sheet follows the 工作开展情况表 attached to 东团通〔2017〕23号 (title, 填表单位, then 序号 |
考核项目 | 工作开展情况 with the five rows （一）…（五）). Each row's 工作开展情况 cell is written from the
check-ins linked to plan items of that category (see categories.py): per item the number of
check-ins, members and people reached, then the entries themselves. A cell holds at most 32,767
characters, so for a large org the entries are cut with a pointer to the 打卡明细 sheet.

Whatever members typed is written as text, never as a formula: XlsxWriter's own string-to-formula
and string-to-URL conversions are off, and a value starting with = + - @, a tab or a carriage return
(the spreadsheet-injection characters) also carries Excel's quote prefix, so it stays text even when
someone edits the cell in Excel.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from zoneinfo import ZoneInfo

import xlsxwriter

from handlers.checkin import rates
from handlers.checkin.categories import CATEGORIES
from handlers.checkin.common import display_name
from handlers.core.dates import stamp

CELL_LIMIT = 32_000
# Nine columns: only what the secretary uses (the account ids are on 成员汇总, the weekday is one
# Excel format away).
# 当天第几条 is filled in for a day's second and later entries (empty: the day's first); 补卡 holds 补
# for an entry recorded on a later day
DETAIL_HEADER = ("日期", "成员", "打卡内容", "完成度(%)", "人数", "关联条目", "考核类别", "修改次数", "最后打卡时间",
                 "当天第几条", "补卡")
DETAIL_WIDTHS = (12, 12, 50, 10, 8, 50, 12, 9, 17, 10, 6)
# 打卡天数 + 未打卡天数 = 应打卡天数; 打卡率 = 打卡天数 ÷ 应打卡天数 (rates.py, the same number 今日 and 周报 show)
SUMMARY_HEADER = ("成员", "账号", "计入起始日", "应打卡天数", "打卡天数", "请假天数", "未打卡天数", "打卡率(%)",
                  "补卡天数", "打卡条数", "关联条目数", "最近打卡")
SUMMARY_WIDTHS = (14, 16, 12, 11, 10, 10, 11, 11, 10, 10, 11, 12)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
OPTIONS = {
    # Rows stream to a temporary file as they are written: half the peak memory of keeping them
    # (42 vs 89 MB for 1,000 members x 30 days) at about the same speed.
    "constant_memory": True,
    "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
}


class Styles:
    """The workbook's formats, each with a quote-prefixed twin for text that looks like a formula."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb, self._made = wb, {}

    def __call__(self, quoted: bool = False, **props) -> object:
        key = (quoted, tuple(sorted(props.items())))
        if key not in self._made:
            self._made[key] = self.wb.add_format(dict(props, quote_prefix=True) if quoted else props) \
                if (props or quoted) else None
        return self._made[key]


def build(org_name: str, period: str, rows: list[dict], members: list[dict], tallies: dict[int, rates.Tally],
          tz: ZoneInfo) -> bytes:
    """The workbook as .xlsx bytes; `tallies` are each member's days and rate for the period (rates.py)."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, OPTIONS)
    styles = Styles(wb)
    _details(wb.add_worksheet("打卡明细"), styles, rows, tz)
    _summary(wb.add_worksheet("成员汇总"), styles, rows, members, tallies)
    _form(wb.add_worksheet("工作开展情况表"), styles, org_name, period, rows)
    wb.close()
    return out.getvalue()


def write(ws, styles: Styles, row: int, col: int, value, **props) -> None:
    """One cell: text as text (quote-prefixed when it starts like a formula), numbers as numbers."""
    if value is None:
        if props:
            ws.write_blank(row, col, None, styles(**props))
    elif isinstance(value, str):
        ws.write_string(row, col, value, styles(value.startswith(FORMULA_START), **props))
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, styles(**props))
    else:
        raise TypeError(f"no cell type for {type(value).__name__}")


def _header(ws, styles: Styles, names: tuple[str, ...], widths: tuple[int, ...]) -> None:
    for n, width in enumerate(widths):
        ws.set_column(n, n, width)
    ws.freeze_panes(1, 0)
    for col, name in enumerate(names):
        write(ws, styles, 0, col, name, bold=True)


def _details(ws, styles: Styles, rows: list[dict], tz: ZoneInfo) -> None:
    """The big sheet (30,000 rows a month for 1,000 members): XlsxWriter's calls, no per-cell dispatch."""
    _header(ws, styles, DETAIL_HEADER, DETAIL_WIDTHS)
    day_format, quoted = styles(num_format="yyyy-mm-dd"), styles(True)
    text, number = ws.write_string, ws.write_number
    epoch = dt.date(1899, 12, 30).toordinal()  # Excel's day 0 (its 1900 leap-year bug included)
    for n, r in enumerate(rows, 1):
        number(n, 0, dt.date.fromisoformat(r["work_date"]).toordinal() - epoch, day_format)
        for col, value in ((1, display_name(r)), (2, r["text"]), (5, r["item_label"] or ""), (6, r["category"] or ""),
                           (8, stamp(r["updated_at"], tz))):
            text(n, col, value, quoted if value.startswith(FORMULA_START) else None)
        for col, value in ((3, r["percent"]), (4, r["count"])):
            if value is not None:
                number(n, col, value)
        number(n, 7, r["revision"] - 1)
        if r["seq"] > 1:  # most days hold one entry: its cell stays empty (30,000 cells fewer to write)
            number(n, 9, r["seq"])
        if r["late"]:
            text(n, 10, "补")


def _summary(ws, styles: Styles, rows: list[dict], members: list[dict], tallies: dict[int, rates.Tally]) -> None:
    _header(ws, styles, SUMMARY_HEADER, SUMMARY_WIDTHS)
    items: dict[int, set] = defaultdict(set)
    for r in rows:
        if r["item_id"] is not None:
            items[r["identity_id"]].add(r["item_label"])
    n = 0
    for n, m in enumerate(members, 1):
        t = tallies[m["identity_id"]]
        values = (display_name(m), m["platform_user_id"], t.start.isoformat() if t.start else "", len(t.expected),
                  len(t.done), len(t.excused), len(t.missing), t.rate, len(t.late), t.entries,
                  len(items[m["identity_id"]]), max(t.checked) if t.checked else "")
        for col, value in enumerate(values):
            write(ws, styles, n, col, value)
    done, expected, rate = rates.total(tallies.values())
    totals = ("合计", f"{len(members)}人", "", expected, done, sum(len(t.excused) for t in tallies.values()),
              expected - done, rate, sum(len(t.late) for t in tallies.values()), len(rows), None, None)
    for col, value in enumerate(totals):
        write(ws, styles, n + 1, col, value, bold=True)


def _category_text(entries: list[dict]) -> str:
    if not entries:
        return "（本期无关联此类工作的打卡）"
    by_item: dict[str, list[dict]] = defaultdict(list)
    for r in entries:
        by_item[r["item_label"]].append(r)
    lines = []
    for label, group in sorted(by_item.items(), key=lambda kv: -len(kv[1])):
        people = {r["identity_id"] for r in group}
        reached = sum(r["count"] or 0 for r in group)
        best = max((r["percent"] for r in group if r["percent"] is not None), default=None)
        extra = (f"，累计{reached}人" if reached else "") + (f"，最高完成度{best:g}%" if best is not None else "")
        lines.append(f"■ {label.split(' › ')[-1]}（{label.split(' ')[0]}）：打卡{len(group)}次，{len(people)}人参与{extra}")
    lines.append("")
    return "\n".join(lines + _entries(entries, CELL_LIMIT - sum(len(x) + 1 for x in lines)))


def _entries(entries: list[dict], budget: int = CELL_LIMIT) -> list[str]:
    """One line per check-in, as many as fit in a cell, then where to find the rest."""
    lines, used = [], 0
    for n, r in enumerate(entries):
        line = f"{r['work_date'][5:]} {display_name(r)}：{r['text']}"
        used += len(line) + 1
        if used > budget - 60:
            lines.append(f"……另有{len(entries) - n}条，详见“打卡明细”表。")
            break
        lines.append(line)
    return lines


def _form(ws, styles: Styles, org_name: str, period: str, rows: list[dict]) -> None:
    for col, width in enumerate((8, 24, 90)):
        ws.set_column(col, col, width)
    title = f"{period}共青团工作开展情况表"
    ws.merge_range(0, 0, 0, 2, title, styles(title.startswith(FORMULA_START), bold=True, font_size=14,
                                              align="center"))
    write(ws, styles, 1, 0, f"填表单位：{org_name}")
    for col, name in enumerate(("序号", "考核项目", "工作开展情况")):
        write(ws, styles, 2, col, name, bold=True, border=1, align="center")
    by_cat: dict[str | None, list[dict]] = defaultdict(list)
    for r in rows:
        by_cat[r["category"] if r["item_id"] is not None else None].append(r)
    row = 3
    for cat in CATEGORIES:
        for col, value in enumerate((cat.number, cat.title, _category_text(by_cat.get(cat.key, [])))):
            write(ws, styles, row, col, value, border=1, text_wrap=True, valign="top")
        row += 1
    loose = by_cat.get(None, [])
    if loose:
        for col, value in enumerate(("附", "未关联工作要点的打卡", "\n".join(_entries(loose)))):
            write(ws, styles, row + 1, col, value, text_wrap=True, valign="top")  # after one empty row
