"""`python bot.py wecom` / `wechat` as an operator runs them: configured by the environment, on 127.0.0.1."""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time

import aiohttp
import pytest

from conftest import ROOT
from wechat_fakes import FakeWeChat
from wechat_harness import OA_ENV, SECRETS, WECOM_ENV

pytestmark = pytest.mark.slow  # starts processes or scores whole question sets: -m 'not slow' skips it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUANWU_", "TELEGRAM_", "WECHAT_", "WECOM_"))}
    env.update(TUANWU_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start listening")


def test_bot_py_wecom_serves_the_handshake_and_answers_over_loopback(indexed_db, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(indexed_db, db)
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "wecom", "--db", str(db), "--port", str(port)],
                            env=clean_env(tmp_path, **WECOM_ENV), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_for_port(port, proc)
        clock = lambda: dt.datetime.now(dt.timezone.utc)  # noqa: E731 - the real server runs on real time
        wecom = FakeWeChat(f"http://127.0.0.1:{port}/wecom", clock, WECOM_ENV["WECOM_TOKEN"],
                           WECOM_ENV["WECOM_AES_KEY"], WECOM_ENV["WECOM_CORPID"], product="wecom")

        async def scenario():
            async with aiohttp.ClientSession() as session:
                query, echo = wecom.handshake_query()
                async with session.get(wecom.url, params=query) as resp:
                    assert (resp.status, await resp.text()) == (200, echo)
                status, reply, _ = await wecom.post(session, wecom.text("zhangsan", "入团前需要参加多少学时的团课？"))
                assert status == 200 and "20学时" in reply["Content"] and "《东莞共青团2017年工作要点》" in reply["Content"]

        asyncio.run(scenario())
    finally:
        proc.terminate()  # only the process this test started, by its handle
        _, err = proc.communicate(timeout=20)
    assert "listening on http://127.0.0.1:" in err
    assert not any(secret in err for secret in SECRETS)


def test_bot_py_wechat_without_a_token_says_which_variable_is_missing(tmp_path):
    env = clean_env(tmp_path, **{k: v for k, v in OA_ENV.items() if k != "WECHAT_TOKEN"})
    done = subprocess.run([sys.executable, str(ROOT / "bot.py"), "wechat", "--db", str(tmp_path / "x.db")],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "WECHAT_TOKEN" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()  # refused before touching anything
