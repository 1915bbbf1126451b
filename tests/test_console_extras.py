"""The console as a cadre uses it (issue 12): charts and exports saved to a folder with the path printed
(item 14); one rule for regions in 城市, 订阅, 通知【…】 and 截止 … 地区 …, regions listed by what their
document says; never two identical buttons; tick warnings to admins only (the smaller items)."""
import asyncio
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SHANGHAI
from handlers.adapters.console_adapter import ConsoleChat, ConsoleSender
from handlers.core.scheduler import Scheduler
from handlers.core.types import CONSOLE_OPERATOR, Choice, Reply


def run_console(tmp_path: Path, lines: list[str], env: dict | None = None, cwd: Path = ROOT) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "bot.py"), "console", "--as", "u1", "--db", str(tmp_path / "c.db")],
                          cwd=cwd, input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TUANWU_DATA_DIR": str(tmp_path / "data"), **(env or {})})
    assert done.returncode == 0, done.stderr
    return done.stdout


def saved(out: str) -> list[tuple[Path, int]]:
    return [(Path(p), int(n.replace(",", ""))) for p, n in re.findall(r"（附件已保存：(.+?)，([\d,]+) 字节）", out)]


def test_charts_and_exports_are_saved_to_the_out_folder_and_the_path_is_printed(tmp_path):
    folder = tmp_path / "附件"
    out = run_console(tmp_path, ["打卡 组织青年大学习第13期", "周报", "周报", "导出"], {"TUANWU_OUT_DIR": str(folder)})
    files = saved(out)
    assert len(files) == 3, out
    for path, size in files:
        assert path.parent == folder and path.stat().st_size == size
    chart, again, workbook = (p for p, _ in files)
    assert chart.read_bytes().startswith(b"\x89PNG") and workbook.suffix == ".xlsx"
    assert again != chart and again.name == chart.stem + "-2.png"  # the first chart is not overwritten


def test_the_default_folder_is_out_in_the_working_directory(tmp_path):
    out = run_console(tmp_path, ["打卡 组织青年大学习第13期", "周报"], cwd=tmp_path)
    (path, size), = saved(out)
    assert path.parts[0] == "out" and (tmp_path / path).stat().st_size == size


def test_a_folder_that_cannot_be_written_is_said_and_the_reply_still_shows(ctx, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    chat = ConsoleChat(ctx, user="u1", out=io.StringIO(), folder=blocker / "out")
    chat.handle("打卡 组织青年大学习第13期")
    for reply in chat.handle("周报"):
        chat.show(reply)
    text = chat.out.getvalue()
    assert "近7天" in text and "未能保存到" in text and "TUANWU_OUT_DIR" in text


# ---------------------------------------------------------------- regions: one rule

def say(ctx, text, user=CONSOLE_OPERATOR):
    return "\n".join(r.text for r in ConsoleChat(ctx, user=user).handle(text))


@pytest.mark.parametrize("command", ["城市 {}", "订阅 {}", "截止 添加 12月31日 报送团员统计 地区 {}"])
def test_a_place_without_documents_is_accepted_and_named_as_such_everywhere(ctx, command):
    out = say(ctx, command.format("北京"))
    assert "北京：暂无文件" in out and "没有找到" not in out, out


def test_a_broadcast_to_a_place_without_documents_says_so_too(ctx):
    say(ctx, "订阅 北京")
    assert "北京：暂无文件" in say(ctx, "通知 【北京】 周五下午开会")


@pytest.mark.parametrize("command", ["城市 {}", "订阅 {}", "截止 添加 12月31日 报送团员统计 地区 {}"])
def test_a_name_that_is_no_region_is_refused_the_same_way_everywhere(ctx, command):
    out = say(ctx, command.format("火星基地"))
    assert "没有找到地区“火星基地”。可选：东莞、某县（团县委2020）、宁波、枣庄" in out, out


@pytest.mark.parametrize("typed", ["枣庄", "枣庄市", "山东省枣庄市", "枣庄市市中区"])
def test_a_region_is_named_the_same_way_everywhere(ctx, typed):
    assert "您的地区设为：枣庄" in say(ctx, f"城市 {typed}")
    assert "枣庄的截止提醒" in say(ctx, f"订阅 {typed}")
    out = say(ctx, f"截止 添加 12月31日 报送团员统计 地区 {typed}")
    number = re.search(r"\[(\d+)\]", out)[1]
    assert ctx.store.reminders.deadline(int(number))["region"] == "枣庄"


def test_a_notice_tag_that_names_no_region_stays_part_of_the_notice(ctx):
    say(ctx, "订阅")
    assert "发送给1个" in say(ctx, "通知 【重要】 周五下午开会").replace(" ", "")
    assert "枣庄的" in say(ctx, "通知 【枣庄市】 周五下午开会")


def test_the_region_list_names_a_county_plan_by_what_it_says(ctx):
    chat = ConsoleChat(ctx, user="u1")
    reply, = chat.handle("城市")
    labels = [c.label for c in reply.choices]
    assert "某县（团县委2020）" in labels and "团县委" not in labels
    assert "文件库现有：东莞、某县（团县委2020）、宁波、枣庄" in reply.text
    picked, = chat.handle(str(labels.index("某县（团县委2020）") + 1))
    assert "已将您的地区设为：某县（团县委2020）" in picked.text
    assert ctx.store.profiles.region("console", "u1") == "团县委"  # answers still find the county plan


# ---------------------------------------------------------------- buttons

def test_no_two_identical_buttons(ctx):
    reply, = ConsoleChat(ctx, user="u1").handle("学校部邮箱")
    labels = [c.label for c in reply.choices]
    assert len(labels) == len(set(labels)), labels


def test_a_repeated_choice_is_dropped_and_look_alikes_are_numbered():
    reply = Reply("?", choices=(Choice("东莞", "city 东莞"), Choice("东莞", "city 东莞"), Choice("A", "选 1"),
                                Choice("A", "选 2")))
    assert reply.choices == (Choice("东莞", "city 东莞"), Choice("A（2）", "选 1"), Choice("A（3）", "选 2"))


# ---------------------------------------------------------------- tick warnings to admins only

def test_calendar_warnings_reach_the_admin_not_every_console_user(ctx, clock):
    ConsoleChat(ctx).handle("帮助")  # the operator has used the bot: an admin to tell
    for n in range(1, 6):  # five cadres at the same terminal, `console --as uN`: members
        ConsoleChat(ctx, user=f"u{n}").handle("单位 城东街道团工委")
    clock.now = dt.datetime(2100, 3, 1, 17, 5, tzinfo=SHANGHAI)  # a year chinese_calendar has no data for
    out = io.StringIO()
    for _ in range(3):  # plan, expand, send
        asyncio.run(Scheduler(ctx, {"console": ConsoleSender(out)}).tick())
    pushes = [line for line in out.getvalue().splitlines() if line.startswith("[推送 → ")]
    warnings = [line for line in pushes if "节假日数据缺失" in line]
    assert warnings == [w for w in warnings if w.startswith("[推送 → console]")] and len(warnings) == 1, pushes
    assert any(line.startswith("[推送 → u1]") for line in pushes)  # members still get their nudge
