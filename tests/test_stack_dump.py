"""An operator asks a process that seems stuck where it is: `kill -USR1 <pid>` writes every thread's stack
to its log (stderr) and the process carries on — the chat still answers and ends normally."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # starts a process


def test_sigusr1_dumps_every_threads_stack_and_the_chat_goes_on(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUANWU_", "TELEGRAM_"))}
    env.update(TUANWU_DATA_DIR=str(tmp_path), TUANWU_EMBEDDER="off", PYTHONUNBUFFERED="1")
    chat = subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "console", "--db", str(tmp_path / "t.db")],
                            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        chat.stdin.write("帮助\n")
        chat.stdin.flush()
        assert "团务助手" in chat.stdout.readline()  # it is running and has answered
        chat.send_signal(signal.SIGUSR1)
        chat.stdin.write("入团前需要参加多少学时的团课？\n")
        out, err = chat.communicate(timeout=60)
    finally:
        if chat.poll() is None:
            chat.kill()
    assert chat.returncode == 0, err
    assert "most recent call first" in err and "bot.py" in err and "in main" in err
    assert "学时" in out  # the question after the signal was answered
