"""No configured secret in any log line, at DEBUG, from any library: the filter bot.py installs at start-up
masks tokens, AES keys, app secrets and robot keys in messages, arguments, tracebacks and stacks —
checked on the running Telegram bot (against the emulator) and the running WeCom server."""
from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import aiohttp
import pytest

from conftest import ROOT
from handlers.core.log_redaction import MASK, RedactSecrets, configured_secrets, install
from telegram_emulator import Emulator, missing_reason, new_token
from test_wechat_cli import clean_env, free_port, wait_for_port
from wechat_fakes import FakeWeChat, StubAPI, serving
from wechat_harness import OA_ENV, WECOM_ENV

ROBOT_KEY = "robot-key-5c9d0e13"
WEBHOOK_SECRET = "tg-webhook-secret_91af"
ENV = {**OA_ENV, **WECOM_ENV, "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
       "WECOM_ROBOT_URLS": f"团委群=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}"}
SECRETS = [ENV[k] for k in ("WECHAT_TOKEN", "WECHAT_AES_KEY", "WECHAT_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY",
                            "WECOM_SECRET", "TELEGRAM_WEBHOOK_SECRET")] + [ROBOT_KEY]


def test_every_configured_secret_is_known_and_ids_are_not():
    secrets = configured_secrets({**ENV, "TELEGRAM_BOT_TOKEN": "123456:AAE-tok"})
    for secret in SECRETS + ["123456:AAE-tok", "123456%3AAAE-tok"]:
        assert secret in secrets
    assert ENV["WECOM_CORPID"] not in secrets and "1000002" not in secrets  # ids, not secrets


def captured(env: dict) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger(f"redaction-test-{time.monotonic_ns()}")
    logger.propagate, logger.level = False, logging.DEBUG
    logger.addHandler(logging.StreamHandler(stream))
    install(env, logger)
    return logger, stream


def test_the_filter_masks_messages_arguments_tracebacks_and_stacks():
    token = "123456:AAE-secret-token"
    logger, stream = captured({**ENV, "TELEGRAM_BOT_TOKEN": token})
    logger.debug("Set Bot API URL: https://api.telegram.org/bot%s", token)
    logger.info("GET /cgi-bin/gettoken?corpid=ww1&corpsecret=%s HTTP/1.1", "not-configured-but-in-a-url")
    logger.warning("db at postgresql://tuanwu:pa55word@db.local/tuanwu")
    try:
        raise RuntimeError(f"login failed for {ENV['WECOM_SECRET']}")
    except RuntimeError:
        logger.exception("push failed, robot %s", ENV["WECOM_ROBOT_URLS"])
    logger.error("stack", stack_info=True, extra={"unused": ENV["WECHAT_AES_KEY"]})
    logger.error("bad format %d", "x")  # a broken call still logs, masked
    text = stream.getvalue()
    for secret in SECRETS + [token, "not-configured-but-in-a-url", "pa55word"]:
        assert secret not in text
    assert f"bot{MASK}" in text and f"corpsecret={MASK}" in text and "Traceback" in text and "RuntimeError" in text


def test_a_second_install_replaces_the_first_filter():
    logger, _ = captured(ENV)
    install(ENV, logger)
    [handler] = logger.handlers
    assert sum(isinstance(f, RedactSecrets) for f in handler.filters) == 1


@pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason()))
@pytest.mark.slow
def test_the_telegram_bot_at_debug_logs_no_secret(indexed_db, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(indexed_db, db)
    emulator = Emulator()
    token = new_token()
    env = dict(os.environ, **ENV, TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE=emulator.url, TUANWU_DB=str(db),
               TUANWU_DATA_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "bot.py", "-v", "telegram"], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        emulator.say(token, "入团前需要参加多少学时的团课？", user=2701)
        answer, _offer = emulator.replies(token, 2701, count=2, timeout=60)
        assert "学时" in answer["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=10)
        emulator.stop()
    output = "".join(lines)
    assert "DEBUG" in output and "getUpdates" in output  # debug logging really was on
    assert f"bot{MASK}" in output  # PTB did log the URL with the token: masked
    for secret in [token, token.replace(":", "%3A"), *SECRETS]:
        assert secret not in output, secret


@pytest.mark.slow
def test_the_wecom_server_at_debug_logs_no_secret(indexed_db, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(indexed_db, db)
    port = free_port()
    clock = lambda: dt.datetime.now(dt.timezone.utc)  # noqa: E731
    stub = StubAPI(clock)

    async def scenario() -> str:
        async with serving(stub.app()) as api:
            env = clean_env(tmp_path, **ENV, WECOM_API_BASE=f"{api}/cgi-bin")
            proc = subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "-v", "wecom", "--db", str(db), "--port",
                                     str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            lines: list[str] = []  # read as it comes: a full pipe would block the server's logging
            reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
            reader.start()
            try:
                await asyncio.get_running_loop().run_in_executor(None, wait_for_port, port, proc)
                wecom = FakeWeChat(f"http://127.0.0.1:{port}/wecom", clock, ENV["WECOM_TOKEN"], ENV["WECOM_AES_KEY"],
                                   ENV["WECOM_CORPID"], product="wecom")
                async with aiohttp.ClientSession() as session:
                    await wecom.post(session, wecom.text("zhangsan", "打卡 组织青年大学习第12期学习"))
                    status, reply, _ = await wecom.post(session, wecom.text("zhangsan", "周报"))  # a chart: pushed
                    assert status == 200 and "正在生成" in reply["Content"]
                    query, body = wecom.request(wecom.text("zhangsan", "帮助"))
                    async with session.post(wecom.url, params={**query, "msg_signature": "0" * 40}, data=body) as r:
                        assert r.status == 403  # a refusal is logged too
                deadline = time.monotonic() + 30
                while not stub.sent("/message/send") and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                assert stub.sent("/message/send"), "the chart was not pushed"
            finally:
                proc.send_signal(signal.SIGINT)
                await asyncio.get_running_loop().run_in_executor(None, lambda: proc.wait(timeout=30))
                reader.join(timeout=10)
            return "".join(lines)

    output = asyncio.run(scenario())
    assert "DEBUG" in output and "refused" in output
    assert f"corpsecret={MASK}" in output  # urllib3 logged wechatpy's token URL: masked
    for secret in SECRETS + ["stub-access-token"]:
        assert secret not in output, secret
