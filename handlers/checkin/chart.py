"""The 周报 chart: an org's daily 打卡率 and each member's 打卡率 for the period, as a PNG.

The numbers are rates.py's (the same the 周报 text, 今日 and the export show); a day nobody was due
to check in (a rest day) has no bar and says 休.

matplotlib's Agg backend, figures built directly (no pyplot state, safe in an adapter's threads).
Chinese labels need a CJK font: the bundled WenQuanYi Micro Hei (fonts/) is registered with
matplotlib's font manager on import and used first, so no system font is needed.
"""
from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from handlers.core.dates import weekday  # noqa: E402

FONT_FILE = Path(__file__).parent / "fonts" / "wqy-microhei.ttc"
FONT_NAME = "WenQuanYi Micro Hei"
MAX_MEMBER_BARS = 30
_lock = threading.Lock()
_registered = False


def register_font() -> str:
    """Add the bundled CJK font to matplotlib (once) and return its family name."""
    global _registered
    with _lock:
        if not _registered:
            font_manager.fontManager.addfont(str(FONT_FILE))
            _registered = True
    return FONT_NAME


def render(title: str, days: list[dt.date], daily: list[tuple[int, int, float | None]], members: int,
           per_member: list[tuple[str, float | None]], font: str | None = None) -> bytes:
    """PNG bytes: each day's rate (done, expected, rate from rates.by_day) and each member's rate over the
    period (the MAX_MEMBER_BARS lowest when the org is larger; a member with no due day is left out)."""
    family = font or register_font()
    rc = {"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False}
    with matplotlib.rc_context(rc):
        rated = [(n, r) for n, r in per_member if r is not None]
        shown = sorted(rated, key=lambda c: (c[1], c[0]))[:MAX_MEMBER_BARS]
        height = 3.2 + 0.22 * max(len(shown), 4)
        fig = Figure(figsize=(9, height), dpi=100, layout="constrained")
        top, bottom = fig.subplots(2, 1, height_ratios=[3.2, 0.22 * max(len(shown), 4)])
        fig.suptitle(title, fontsize=14)

        x = range(len(days))
        heights = [rate or 0 for _, _, rate in daily]
        bars = top.bar(x, heights, color="#c8102e", label="打卡率")
        labels = [f"{rate:.0f}%" if rate is not None else "休" for _, _, rate in daily]
        if len(days) <= 15:
            top.bar_label(bars, labels, fontsize=7, padding=1)
        step = max(1, len(days) // 15)
        top.set_xticks(list(x)[::step], [f"{d:%m-%d}\n{weekday(d)}" for d in days][::step], fontsize=8)
        top.set_ylim(0, 115)  # headroom for the labels
        top.set_ylabel("打卡率（%）")
        top.set_title(f"每日打卡率（成员 {members} 人，应打卡者中已打卡的比例）", fontsize=11)
        top.grid(axis="y", alpha=0.3)

        if shown:
            names = [n for n, _ in shown]
            bottom.barh(range(len(shown)), [r for _, r in shown], color="#1f5fa8")
            bottom.set_yticks(range(len(shown)), names, fontsize=8)
            bottom.invert_yaxis()
            bottom.set_xlim(0, 100)
        label = "每人打卡率" if len(rated) <= MAX_MEMBER_BARS else f"打卡率最低的 {len(shown)} 人（共 {len(rated)} 人）"
        bottom.set_title(label, fontsize=11)
        bottom.set_xlabel(f"打卡率（%，共 {len(days)} 天）")
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
