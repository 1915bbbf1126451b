"""Inputs that used to end in a traceback (numbers past what SQLite holds, year 0, hostile YAML) get a
specific Chinese message, and nothing is written or executed."""
import subprocess
import sys

import pytest

from conftest import ROOT, operator
from handlers.core.router import dispatch
from knowledge import faq_io

HUGE = "9" * 25
APOLOGY = "抱歉，处理这条消息时出错了"


def say(ctx, text, **kw):
    replies = dispatch(ctx, operator(text, **kw))  # the console operator: a global admin
    assert len(replies) == 1 and APOLOGY not in replies[0].text
    return replies[0].text


@pytest.mark.parametrize("typed,expect", [
    (f"截止 修改 {HUGE} 2027-01-01", f"没有编号为 {HUGE} 的截止事项"),
    (f"截止 删除 {HUGE}", f"没有编号为 {HUGE} 的截止事项"),
    (f"问答 {HUGE}", "没有编号为"),
    (f"问答 删除 {HUGE}", f"没有编号为 {HUGE}"),
    (f"问答 修改 {HUGE} | 新答案", f"没有编号为 {HUGE}"),
    (f"单位 #{HUGE}", "没有这个单位编号"),
    (f"选 {HUGE}", "这个选项已失效"),
    ("截止 删除 ²", "请写上截止事项的编号"),  # a digit int() cannot read
    ("问答 ²", "用法"),
])
def test_ids_beyond_what_the_store_holds_are_simply_not_found(ctx, typed, expect):
    assert expect in say(ctx, typed)


def test_a_head_count_too_large_is_refused_and_nothing_is_saved(ctx):
    reply = say(ctx, "打卡 参与99999999999999999999999人")
    assert "人数" in reply and "太大" in reply
    assert ctx.store.checkins.count() == 0


@pytest.mark.parametrize("typed", ["导出 0000-01", "导出 9999-12", "export 0001年1月"])
def test_an_export_of_an_impossible_year_says_which_years_work(ctx, typed):
    assert "年份" in say(ctx, typed) and "不在可导出的范围" in say(ctx, typed)


def test_a_message_longer_than_any_platform_allows_is_refused_before_parsing(ctx):
    reply = say(ctx, "截止 删除 " + "9" * 5000)  # int() of 4,300+ digits raises ValueError
    assert "消息太长了" in reply


@pytest.mark.parametrize("content,line,words", [
    ("- question: 问题\n  answer: !!python/object/apply:os.system [\"touch {marker}\"]\n", 2,
     "不允许的 YAML 标签 !!python/object/apply:os.system"),
    ("- question: 问题\n  answer: 答案\n  ? [1, 2]\n  : x\n", 3, "键必须是简单的文字"),
    ("- question: 问题一\n  answer: 答案\n- question: 问题二\n  answer: 答案\n  id: 99999999999999999999\n", 5,
     "id 应是已有条目的编号"),
    ("- question: 问题\n  answer: 答案\n  id: true\n", 3, "id 应是已有条目的编号"),
])
def test_hostile_or_broken_faq_files_name_the_line_and_import_nothing(ctx, tmp_path, content, line, words):
    marker = tmp_path / "executed"
    path = tmp_path / "faq.yaml"
    path.write_text(content.format(marker=marker), encoding="utf-8")
    with pytest.raises(faq_io.FaqFileError) as err:
        faq_io.import_file(ctx.store, path)
    assert f"faq.yaml 第{line}行" in str(err.value) and words in str(err.value)
    assert ctx.store.faq.entries("curated") == [] and not marker.exists()


def test_the_faq_import_command_prints_the_message_not_a_traceback(indexed_db, tmp_path):
    import shutil

    db = tmp_path / "f.db"
    shutil.copy(indexed_db, db)
    marker = tmp_path / "executed"
    bad = tmp_path / "faq.yaml"
    bad.write_text(f"- question: 问题\n  answer: !!python/object/apply:os.system [\"touch {marker}\"]\n",
                   encoding="utf-8")
    run = subprocess.run([sys.executable, "bot.py", "faq", "import", str(bad), "--db", str(db)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "未导入" in run.stderr and "faq.yaml 第2行" in run.stderr and not marker.exists()


@pytest.mark.parametrize("zone", ["Asia", "x" * 300, "../../etc/passwd", "Asia/Shanghai/extra"])
def test_an_org_time_zone_that_is_no_zone_is_refused_by_name(ctx, zone):
    say(ctx, "单位 城东街道团工委")
    assert "不认识时区" in say(ctx, f"单位 时区 {zone}")
    assert ctx.store.orgs.of_member("console", "console")["timezone"] == "Asia/Shanghai"
