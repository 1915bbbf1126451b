"""`--db` chooses the database for every sub-command, before or after the sub-command's name: a test run
with `--db test.db tick` must never touch (or push from) the production data/tuanwu.db."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import bot

SUBCOMMANDS = {
    "console": [],
    "ask": ["入团前需要参加多少学时的团课？"],
    "ingest": [],
    "faq": ["list"],
    "tick": ["--at", "2030-12-24T09:00:00+08:00"],
}


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A clean environment in an empty folder, where the default database would be data/tuanwu.db."""
    for name in list(__import__("os").environ):
        if name.startswith(("TUANWU_", "TELEGRAM_", "WECHAT_", "WECOM_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("打卡 组织青年大学习\n"))
    return tmp_path


def default_db(workdir: Path) -> Path:
    return workdir / "data" / "tuanwu.db"


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_each_sub_command_uses_the_given_database(workdir, name, where):
    chosen = workdir / "chosen.db"
    db = ["--db", str(chosen)]
    argv = [*db, name, *SUBCOMMANDS[name]] if where == "before" else [name, *SUBCOMMANDS[name], *db]
    bot.main(argv)
    assert chosen.exists(), f"{name}: --db {where} the sub-command was ignored"
    assert not default_db(workdir).exists(), f"{name}: wrote data/tuanwu.db although --db was given"


@pytest.mark.parametrize("name", ["telegram", "wechat", "wecom"])
def test_the_servers_open_the_given_database(workdir, monkeypatch, name):
    """The adapters are stopped just after the context is built: the store they were given is the one named."""
    from handlers.adapters import telegram_run, wechat_run

    opened = []
    monkeypatch.setattr(telegram_run, "run", lambda ctx, config: opened.append(ctx.store.path) or 0)
    monkeypatch.setattr(wechat_run, "serve", lambda ctx, product, **kw: opened.append(ctx.store.path) or 0)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:AAE-test")
    monkeypatch.setenv("WECHAT_TOKEN", "tok-1234")
    monkeypatch.setenv("WECOM_TOKEN", "tok-5678")
    monkeypatch.setenv("WECOM_AES_KEY", "VHVhbld1V2VDb21BcHBDYWxsYmFja1Rlc3RLZXkwMDI")
    monkeypatch.setenv("WECOM_CORPID", "ww8a1b2c3d4e5f6a7b")
    chosen = workdir / "chosen.db"
    assert bot.main(["--db", str(chosen), name]) == 0
    assert opened == [str(chosen)] and not default_db(workdir).exists()
    opened.clear()
    other = workdir / "other.db"
    assert bot.main([name, "--db", str(other)]) == 0
    assert opened == [str(other)]


def test_tuanwu_db_is_the_default_and_db_overrides_it(workdir, monkeypatch):
    monkeypatch.setenv("TUANWU_DB", str(workdir / "env.db"))
    bot.main(["faq", "list"])
    assert (workdir / "env.db").exists()
    bot.main(["--db", str(workdir / "flag.db"), "faq", "list"])
    assert (workdir / "flag.db").exists()
