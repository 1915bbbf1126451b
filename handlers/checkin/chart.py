"""The 周报 chart: an org's daily check-in rate and each member's check-in count, as a PNG.

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

from handlers.checkin.common import WEEKDAYS  # noqa: E402

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


def render(title: str, days: list[dt.date], checked: list[int], excused: list[int], members: int,
           counts: list[tuple[str, int]], font: str | None = None) -> bytes:
    """PNG bytes: the daily rate (checked and excused share of `members`) over `days`, and the
    per-member check-in counts (the MAX_MEMBER_BARS lowest when the org is larger)."""
    family = font or register_font()
    rc = {"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False}
    with matplotlib.rc_context(rc):
        shown = sorted(counts, key=lambda c: (c[1], c[0]))[:MAX_MEMBER_BARS]
        height = 3.2 + 0.22 * max(len(shown), 4)
        fig = Figure(figsize=(9, height), dpi=100, layout="constrained")
        top, bottom = fig.subplots(2, 1, height_ratios=[3.2, 0.22 * max(len(shown), 4)])
        fig.suptitle(title, fontsize=14)

        total = max(members, 1)
        rate = [100 * c / total for c in checked]
        off = [100 * e / total for e in excused]
        x = range(len(days))
        top.bar(x, rate, color="#c8102e", label="已打卡")
        top.bar(x, off, bottom=rate, color="#f2b134", label="请假")
        step = max(1, len(days) // 15)
        top.set_xticks(list(x)[::step], [f"{d:%m-%d}\n周{WEEKDAYS[d.weekday()]}" for d in days][::step], fontsize=8)
        top.set_ylim(0, 115)  # headroom for the legend
        top.set_ylabel("占成员比例（%）")
        top.set_title(f"每日打卡率（成员 {members} 人）", fontsize=11)
        top.legend(loc="upper left", ncols=2, fontsize=8)
        top.grid(axis="y", alpha=0.3)

        if shown:
            names = [n for n, _ in shown]
            bottom.barh(range(len(shown)), [c for _, c in shown], color="#1f5fa8")
            bottom.set_yticks(range(len(shown)), names, fontsize=8)
            bottom.invert_yaxis()
            bottom.set_xlim(0, max(len(days), 1))
        label = "每人打卡天数" if len(counts) <= MAX_MEMBER_BARS else f"打卡最少的 {len(shown)} 人（共 {len(counts)} 人）"
        bottom.set_title(label, fontsize=11)
        bottom.set_xlabel(f"天数（共 {len(days)} 天）")
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
