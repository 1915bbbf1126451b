"""Invalid UTF-8 under a strict UTF-8 locale (PYTHONIOENCODING=utf-8:strict): the bad line gets a specific
message (console) or an error object (ask --jsonl), and every other line — before and after — is
answered as usual; never a traceback, never exit 1."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT

QUESTION = "入团前需要参加多少学时的团课？"


def run(args: list[str], stdin: bytes, tmp_path, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUANWU_", "TELEGRAM_", "WECHAT_", "WECOM_"))}
    env.update(PYTHONIOENCODING="utf-8:strict", TUANWU_DATA_DIR=str(tmp_path))
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args, "--db", str(tmp_path / "x.db")],
                          input=stdin, capture_output=True, env=env, timeout=120, **kw)


def test_the_console_skips_a_bad_line_and_keeps_the_lines_around_it(tmp_path):
    lines = ["城市 枣庄".encode(), b"\xff\xfe" + "坏掉的一行".encode(), QUESTION.encode(),
             "打卡 组织青年大学习".encode()[:-1]]  # the last: cut inside a character
    done = run(["console", "--as", "u1"], b"\n".join(lines) + b"\n", tmp_path)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in err, err
    replies = out.rstrip("\n").split("\n\n")
    assert len(replies) == 4
    assert "已将您的地区设为：枣庄" in replies[0]  # the valid line before the bad one was not lost
    assert "第 2 行含有无法识别的字节（ff fe" in replies[1] and "UTF-8" in replies[1] and "已跳过" in replies[1]
    assert replies[2].index("枣庄") < replies[2].index("东莞")  # and it took effect for the line after
    assert "第 4 行" in replies[3]


def test_ask_jsonl_answers_every_line_in_order_with_an_error_object_for_a_bad_one(tmp_path):
    lines = [json.dumps({"q": QUESTION}, ensure_ascii=False).encode(),
             b'{"q": "\xff\xfe"}',
             b'{"q": "\\udc80\\u8003\\u6838"}',  # valid UTF-8, but JSON for a lone surrogate
             b"not json",
             json.dumps({"q": "考核材料什么时候交？", "city": None}, ensure_ascii=False).encode()]
    done = run(["ask", "--jsonl"], b"\n".join(lines) + b"\n", tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr.decode(), done.stderr.decode()
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(out) == 5
    assert out[0]["matched"] and "学时" in out[0]["answer"]
    assert out[1]["matched"] is False and out[1]["error"] == "invalid_encoding" and "第 2 行" in out[1]["answer"]
    assert out[2]["matched"] is False and out[2]["error"] == "invalid_text"
    assert out[3]["matched"] is False and out[3]["error"] == "invalid_json"
    assert out[4]["matched"] and "材料" in out[4]["answer"]
    for o in out:
        assert set(o) >= {"answer", "matched", "sources", "score"}


def test_ask_with_undecodable_bytes_on_the_command_line_says_so(tmp_path):
    done = run(["ask", os.fsdecode(b"\xff\xfe")], b"", tmp_path)
    err = done.stderr.decode()
    assert done.returncode == 2 and "无法识别的字节" in err and "Traceback" not in err
