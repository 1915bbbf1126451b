"""The scripted console, exactly as the issue runs it: check in, then a second process still sees it."""
import subprocess
import sys

from conftest import ROOT


def console(db, text: str) -> str:
    done = subprocess.run([sys.executable, "bot.py", "console", "--as", "u1", "--db", str(db)], input=text,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_scripted_check_in_is_confirmed_with_its_item_and_survives_into_a_second_process(tmp_path):
    db = tmp_path / "X.db"
    # printf '打卡 组织青年大学习第12期学习，参与率92%%\n进度\n' | python bot.py console --as u1 --db X
    first = console(db, "打卡 组织青年大学习第12期学习，参与率92%\n进度\n")
    confirm, progress = first.split("\n\n")[:2]
    assert "已打卡" in confirm and "完成度 92%" in confirm
    link = next(line for line in confirm.splitlines() if line.startswith("关联条目"))
    assert "青年大学习" in link
    assert "✅ 组织青年大学习第12期学习，参与率92%" in progress

    second = console(db, "进度\n")
    assert "✅ 组织青年大学习第12期学习，参与率92%" in second and "青年大学习" in second
