"""The console as a newcomer uses it: a scripted session compared with a golden transcript — questions,
commands typed without a space, a near miss of a command word, leave, and a deadline added and edited
(as the console operator, a global admin, on a fixed clock: Monday 2026-11-23 09:00 in Shanghai).

Regenerate after an intended change with `UPDATE_GOLDEN=1 python -m pytest tests/test_console.py`
and read the diff before committing it.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "console.txt"
AT = "2026-11-23T09:00:00+08:00"
SCRIPT = [
    "城市",
    "城市枣庄",
    "入团前需要参加多少学时的团课？",
    "1",
    "/ask 东莞的“中国青创版”综合金融服务平台是干嘛的？",
    "寧波要構建幾級志願服務組織網絡？",
    "How many class hours of league lessons are required before joining the league?",
    "番茄炒蛋先放番茄还是先放蛋？",
    "北京2023年工作要点有哪些重点？",
    "问",
    "😀😀😀",
    "通知文号是多少",
    "打卡组织青年大学习第13期，参与率92.5%",
    "打咔 召开团支部组织生活会",
    "请假下周一到下周三 参加党校学习",
    "截止添加 12月31日 提交年度考核材料",
    "截止 修改 1 \"2027-01-15 17:30\"",
    "截止 修改 1 标题 报送年度考核材料",
]


def run_console(db: Path, lines: list[str], user: str | None = None) -> str:
    who = ["--as", user] if user else []  # no --as: the console operator
    out = subprocess.run([sys.executable, "bot.py", "console", *who, "--at", AT, "--db", str(db)], cwd=ROOT,
                         input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TUANWU_DATA_DIR": str(db.parent), "TUANWU_OUT_DIR": str(db.parent)})
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_scripted_console_matches_the_golden_transcript(tmp_path):
    replies = run_console(tmp_path / "c.db", SCRIPT).rstrip("\n").split("\n\n")
    assert len(replies) == len(SCRIPT)
    transcript = "".join(f"> {line}\n{reply}\n\n" for line, reply in zip(SCRIPT, replies))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(transcript, encoding="utf-8")
    assert transcript == GOLDEN.read_text(encoding="utf-8")


def test_the_region_set_in_one_process_is_remembered_by_the_next(tmp_path):
    db = tmp_path / "c.db"
    run_console(db, ["城市 东莞"], user="u7")
    text = run_console(db, ["入团前需要参加多少学时的团课？"], user="u7")
    assert text.index("东莞") < text.index("枣庄")
