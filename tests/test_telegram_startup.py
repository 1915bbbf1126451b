"""Starting while the Bot API is unreachable: the bot retries with a growing pause and a clear log line,
comes up as soon as the API answers, and stops cleanly on Ctrl-C meanwhile; a rejected token ends
the start at once with a message, not a traceback."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from handlers.adapters import telegram_run
from handlers.adapters.telegram_adapter import TelegramAdapter
from handlers.adapters.telegram_run import TelegramConfig
from telegram_emulator import ROOT, Emulator, free_port, missing_reason, new_token

pytestmark = pytest.mark.slow  # starts processes or scores whole question sets: -m 'not slow' skips it

QUESTION = "入团前需要参加多少学时的团课？"


def test_an_unreachable_api_is_retried_with_a_growing_pause_until_stopped(ctx, caplog, monkeypatch):
    monkeypatch.setattr(telegram_run, "RETRY_FIRST", 0.05)
    caplog.set_level(logging.WARNING, logger="handlers.adapters.telegram_run")
    config = TelegramConfig(token=new_token(), api_base=f"http://127.0.0.1:{free_port()}")  # nobody listens
    adapter = TelegramAdapter.build(ctx, config.token, base_url=config.api_base)

    async def scenario():
        stop, loop, stopped_at = asyncio.Event(), asyncio.get_running_loop(), []

        def ctrl_c():
            stopped_at.append(time.monotonic())
            stop.set()

        class AfterTheThirdTry(logging.Handler):  # Ctrl-C while it waits to try a fourth time
            def emit(self, record):
                if "(attempt 3)" in record.getMessage() and not stop.is_set():
                    loop.call_soon_threadsafe(ctrl_c)

        watcher = AfterTheThirdTry()
        logging.getLogger("handlers.adapters.telegram_run").addHandler(watcher)
        loop.call_later(60, ctrl_c)  # however slow the machine, the test ends
        try:
            await telegram_run.serve(adapter, config, stop)
        finally:
            logging.getLogger("handlers.adapters.telegram_run").removeHandler(watcher)
        return time.monotonic() - stopped_at[0]

    assert asyncio.run(scenario()) < 2  # stopping does not wait out the pause
    tries = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(tries) >= 3 and "(attempt 1)" in tries[0] and "(attempt 2)" in tries[1]
    assert config.api_base in tries[0] and "retrying in" in tries[0]
    assert any("stopped before the Telegram Bot API answered" in r.getMessage() for r in caplog.records)
    assert config.token not in caplog.text


class Refusing(BaseHTTPRequestHandler):
    """A Bot API that says 401 Unauthorized to every token."""

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_rejected_token_exits_at_once_with_a_message(ctx, capsys):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = TelegramConfig(token="123:revoked", api_base=f"http://127.0.0.1:{server.server_address[1]}")
        t0 = time.monotonic()
        assert telegram_run.run(ctx, config) == 2
        assert time.monotonic() - t0 < 5
    finally:
        server.shutdown()
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


@pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason()))
def test_bot_py_telegram_waits_for_the_api_then_answers_and_stops_on_ctrl_c(indexed_db, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(indexed_db, db)
    port, token = free_port(), new_token()
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE=f"http://127.0.0.1:{port}",
               TUANWU_DB=str(db), TUANWU_DATA_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "bot.py", "telegram"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()
    emulator = None
    try:
        deadline = time.monotonic() + 60
        while not any("unreachable" in line for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.1)
        emulator = Emulator(port)  # the API comes back where the bot is looking
        emulator.say(token, QUESTION, user=2601)
        answer, _offer = emulator.replies(token, 2601, count=2, timeout=60)
        assert "学时" in answer["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=10)
        if emulator is not None:
            emulator.stop()
    output = "".join(lines)
    assert proc.returncode == 0, output
    assert "retrying in" in output and "reachable again" in output
    assert "Traceback" not in output and token not in output
