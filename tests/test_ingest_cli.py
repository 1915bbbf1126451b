"""`python bot.py ingest PATH` as an operator runs it: unreadable formats skipped and named (exit 0),
a damaged or scanned file named as an error (exit 1) while the rest is indexed, and questions about
the new notices answered with their citations. A damaged file among the plans never stops a start."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pdf_fixtures import SOURCES, make_pdf, make_scan

pytestmark = pytest.mark.slow  # starts processes or scores whole question sets: -m 'not slow' skips it

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "ingest"
PLAN = ROOT / "knowledge" / "plans" / "004_092aab85aa22f589.txt"


def bot(*args, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "bot.py", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})})


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notices")
    for name in ("college_web_fazhan.txt", "county_tuanfei.gb18030.txt", "enterprise_huanjie.utf16.txt",
                 "central_plan.html"):
        shutil.copy(DATA / name, folder / name)
    make_pdf(SOURCES / "school_tuiyou.txt", folder / "推优入团.pdf")
    (folder / "旧通知.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    (folder / "扫描.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    db = tmp_path_factory.mktemp("db") / "x.db"
    return bot("ingest", str(folder), "--db", str(db)), db, folder


def test_skipped_formats_are_named_and_counted_and_are_no_failure(ingested):
    run, _, folder = ingested
    assert run.returncode == 0, run.stderr
    assert f"跳过 {folder / '旧通知.doc'}：不支持的格式 .doc（请另存为 .docx 或 .pdf）" in run.stderr
    assert f"跳过 {folder / '扫描.jpg'}：不支持的格式 .jpg" in run.stderr
    assert "已索引 5 个文件" in run.stdout and "跳过 2 个，失败 0 个" in run.stdout


QUESTIONS = [
    ("入团志愿书和团员证什么时候去团委组织部领？", "4月3日前", "关于做好2024年春季学期发展团员工作的通知",
     "宁波海曙职业技术学院"),
    ("学生团员每个月交多少团费？", "0.2元", "关于做好2024年度团费收缴工作的通知", "绍兴市柯桥区"),
    ("团支部换届要提前多久向上级团委报告？", "一个月", "关于做好所属团支部集中换届工作的通知", "浙江海晨能源集团有限公司"),
    ("团员年度团籍注册在什么时候完成？", "第一季度", "基层团组织规范化建设三年行动计划（2024—2026年）", "团中央"),
    ("推优入团的入团申请书什么时候截止递交？", "4月12日", "关于开展2024年“推优入团”工作的通知", "东莞市南城实验中学"),
]


def test_questions_about_the_new_notices_are_answered_with_their_source(ingested):
    _, db, _ = ingested
    feed = "".join(json.dumps({"q": q, "city": None}, ensure_ascii=False) + "\n" for q, *_ in QUESTIONS)
    run = bot("ask", "--jsonl", "--db", str(db), stdin=feed)
    assert run.returncode == 0, run.stderr
    for (question, fact, title, region), line in zip(QUESTIONS, run.stdout.splitlines()):
        reply = json.loads(line)
        assert reply["matched"] and fact in reply["answer"], question
        assert (reply["sources"][0]["title"], reply["sources"][0]["city"]) == (title, region), question


def _damaged_utf16(path: Path) -> Path:
    path.write_bytes(PLAN.read_text(encoding="utf-8").encode("utf-16") + b"\x00")
    return path


def test_a_damaged_or_scanned_file_fails_alone_with_one_line_each(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "college_web_fazhan.txt", folder / "fazhan.txt")
    _damaged_utf16(folder / "坏文件.txt")
    make_scan(folder / "扫描件.pdf")
    run = bot("ingest", str(folder), "--db", str(tmp_path / "x.db"))
    assert run.returncode == 1
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("错误：")]
    assert len(errors) == 2
    assert "坏文件.txt" in errors[0] and "UTF-16 文本已损坏" in errors[0]
    assert "扫描件.pdf" in errors[1] and "没有文字层（可能是扫描件），请提供文字版或 .docx" in errors[1]
    assert "Traceback" not in run.stderr
    assert "已索引 1 个文件" in run.stdout and "失败 2 个" in run.stdout


def test_start_up_with_a_damaged_file_among_the_plans_still_answers(tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    shutil.copy(PLAN, plans / PLAN.name)
    _damaged_utf16(plans / "坏文件.txt")
    env = {"TUANWU_PLANS": str(plans)}
    run = bot("ask", "枣庄入团积极分子要参加多少学时团课？", "--db", str(tmp_path / "a.db"), env=env)
    assert run.returncode == 0, run.stderr
    assert "8学时" in run.stdout
    assert "坏文件.txt" in run.stderr and "UTF-16" in run.stderr and "Traceback" not in run.stderr  # one warning
    run = bot("console", "--as", "u1", "--db", str(tmp_path / "c.db"), stdin="入团积极分子要参加多少学时团课？\n", env=env)
    assert run.returncode == 0, run.stderr
    assert "8学时" in run.stdout
    run = bot("tick", "--db", str(tmp_path / "t.db"), env=env)
    assert run.returncode == 0, run.stderr
