"""Telegram configuration from TELEGRAM_* variables: clear messages for bad values, secrets kept out of
logs, and `python bot.py` choosing Telegram when a token is set."""
import pytest

import bot
from handlers.adapters.telegram_run import ConfigError, TelegramConfig

TOKEN = "123456:AAE-secret-token"


@pytest.mark.parametrize("env,named", [
    ({}, "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_PORT": "80a"}, "TELEGRAM_PORT"),
    ({"TELEGRAM_PORT": "70000"}, "TELEGRAM_PORT"),
    ({"TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "TELEGRAM_WEBHOOK_SECRET"),
    ({"TELEGRAM_WEBHOOK_URL": "example.org/hook"}, "TELEGRAM_WEBHOOK_URL"),
    ({"TELEGRAM_API_BASE": "127.0.0.1:8081"}, "TELEGRAM_API_BASE"),
])
def test_bad_settings_name_the_variable(env, named):
    if env:
        env = dict(env, TELEGRAM_BOT_TOKEN=TOKEN)
    with pytest.raises(ConfigError, match=named):
        TelegramConfig.from_env(env)


def test_polling_by_default_and_webhook_when_a_url_is_set():
    assert TelegramConfig.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}).webhook_url is None
    config = TelegramConfig.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://example.org/tg",
                                      "TELEGRAM_WEBHOOK_SECRET": "abc_DEF-1", "TELEGRAM_PORT": "8080",
                                      "TELEGRAM_API_BASE": "http://127.0.0.1:8081/bot"})
    assert (config.webhook_url, config.port, config.listen) == ("https://example.org/tg", 8080, "127.0.0.1")
    assert config.api_base == "http://127.0.0.1:8081"  # PTB's ".../bot" form accepted too
    assert TOKEN not in repr(config) and "abc_DEF-1" not in repr(config)


def test_bot_py_without_a_sub_command_runs_telegram_when_a_token_is_set(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_PORT", "not-a-port")
    assert bot.main(["--db", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_PORT" in err and TOKEN not in err
