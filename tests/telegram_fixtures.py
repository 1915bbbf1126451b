"""Fixtures of the Telegram end-to-end tests: the emulator (one per test module) and a polling bot."""
from __future__ import annotations

import pytest

from handlers.adapters.telegram_run import TelegramConfig
from telegram_emulator import Emulator, RunningBot, missing_reason, new_token


@pytest.fixture(scope="module")
def emulator():
    """telegram-test-api on 127.0.0.1, stopped by its PID; tests skip, saying why, without Node.js/npm."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    emu = Emulator()
    yield emu
    emu.stop()


@pytest.fixture
def bot(emulator, ctx):
    """A bot on its own token, long polling the emulator; `bot.token`, `bot.ctx`. No scheduler tick
    until a test calls `bot.start_ticks(seconds)`."""
    config = TelegramConfig(token=new_token(), api_base=emulator.url)
    running = RunningBot(ctx, config)
    running.token, running.ctx = config.token, ctx
    yield running
    running.close()
