#!/usr/bin/env python3
"""团务助手 — entry point. Reads settings from the environment once, builds the app, runs one adapter.

    python bot.py                      console chat (or Telegram when TELEGRAM_BOT_TOKEN is set)
    python bot.py console --as USER    scripted console: one message per input line [--at ISO-TIME]
    python bot.py ask "问题" [--city 东莞] [--json]
    python bot.py ask --jsonl          JSON lines in ({"q", "city"}), JSON lines out
    python bot.py ingest [PATH …]      (re)index plan documents and embed their new passages
    python bot.py telegram             Telegram bot (long polling, or a webhook with TELEGRAM_WEBHOOK_URL)
    python bot.py tick [--at ISO-TIME]  run the scheduler once (cron; console chats get pushes printed)
    python bot.py wechat | wecom       WeChat official account / WeCom app webhook server
    python bot.py web [--wechat]       the web dashboard (admins sign in with a link from 后台)
    python bot.py migrate --to postgresql://…   copy this SQLite deployment into PostgreSQL
"""
from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import signal
import sys

from handlers.core.types import Context, Settings

log = logging.getLogger("bot")


def build_context(settings: Settings, index: bool = True, faq: bool = True) -> Context:
    """Open the store, index the bundled plans on first start, and load the knowledge base."""
    from db import Store
    from knowledge.base import KnowledgeBase
    from knowledge.embed import shared_embedder
    from knowledge.index import ensure_indexed

    store = Store(settings.db_path)
    report = ensure_indexed(store, settings.plans_dir or None) if index else None
    embedder = shared_embedder(settings.embedder)
    if report and report.indexed and embedder is not None:
        from knowledge.dense import ensure_vectors

        ensure_vectors(store, embedder)  # the bundled plans' vectors ship with them: nothing is embedded
    kb = KnowledgeBase(store, settings.data_dir, embedder)
    if index and faq:  # in line for a small corpus, else in the background: a start never waits long for the FAQ
        from knowledge.faq_build import keep_current

        keep_current(kb, settings.data_dir, changed=bool(report and report.indexed))
    return Context(store=store, kb=kb, settings=settings)


def cmd_console(args, settings: Settings) -> int:
    from handlers.adapters.console_adapter import ConsoleChat, ConsoleSender
    from handlers.core.scheduler import run_tick

    ctx = build_context(settings)
    if getattr(args, "at", None) and not _pretend(ctx, args.at, settings):
        return 2
    chat = ConsoleChat(ctx, user=args.user)
    chat.after = lambda: run_tick(ctx, {"console": ConsoleSender(chat.out, chat.folder)}, budget=5.0)  # pushes at once
    return chat.run()


def _pretend(ctx: Context, when: str, settings: Settings) -> bool:
    """Start the clock at `when` (an ISO instant; time still moves): scripted demos, tests, cron catch-up."""
    import datetime as dt
    import time

    try:
        at = dt.datetime.fromisoformat(when)
    except ValueError:
        print(f"--at 需要 ISO 时间，例如 2030-12-24T09:00:00+08:00（收到：{when}）", file=sys.stderr)
        return False
    at = at if at.tzinfo else at.replace(tzinfo=settings.tz)
    started = time.monotonic()
    ctx.clock = lambda: at + dt.timedelta(seconds=time.monotonic() - started)
    return True


def cmd_tick(args, settings: Settings) -> int:
    from handlers.adapters.console_adapter import ConsoleSender, out_dir
    from handlers.core.scheduler import run_tick

    ctx = build_context(settings)
    if args.at and not _pretend(ctx, args.at, settings):
        return 2
    run_tick(ctx, {"console": ConsoleSender(folder=out_dir(ctx))}, budget=args.budget)  # it logs its report
    return 0


def cmd_telegram(args, settings: Settings) -> int:
    from handlers.adapters.telegram_run import ConfigError, TelegramConfig, run

    try:
        config = TelegramConfig.from_env(settings.env)
    except ConfigError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    return run(build_context(settings), config)


def cmd_ask(args, settings: Settings) -> int:
    from handlers.adapters.console_adapter import UndecodableLine, input_lines

    ctx = build_context(settings)
    if args.jsonl:
        for line in input_lines(sys.stdin):  # one line at a time: a bad line costs only itself
            if not line.strip():
                continue
            if isinstance(line, UndecodableLine):
                out = _refused(str(line), "invalid_encoding")
            else:
                try:
                    item = json.loads(line)
                    question, city = str(item.get("q") or ""), item.get("city")
                except (json.JSONDecodeError, AttributeError) as err:
                    out = _refused(f"输入不是有效的 JSON：{err}", "invalid_json")
                else:
                    out = _answer(ctx, question, city if isinstance(city, str) else None)
            print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0
    question = " ".join(args.question).strip()
    if _unencodable(question + (args.city or "")):
        print("问题里有无法识别的字节（不是有效的文字编码），请检查终端的编码后重试。", file=sys.stderr)
        return 2
    out = _answer(ctx, question, args.city)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    elif out.get("more"):  # no chat to reply "1" in: the rest follows at once
        from knowledge.answer import MORE_HINT, MORE_HINT_EN

        print(out["answer"].removesuffix(MORE_HINT).removesuffix(MORE_HINT_EN).rstrip() + "\n\n" + out["more"])
    else:
        print(out["answer"])
    return 0 if out["matched"] else 1


def _refused(message: str, error: str) -> dict:
    """The answer object for an input line that could not be read: declined, saying why."""
    return {"answer": message, "matched": False, "sources": [], "score": 0.0, "error": error}


def _unencodable(text: str) -> bool:
    """Lone surrogates: undecodable argv bytes (surrogateescape) or a JSON "\\udc80" escape; a strict
    UTF-8 stdout cannot print them."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _answer(ctx: Context, question: str, city: str | None) -> dict:
    from handlers.ask import check_question

    if _unencodable(question + (city or "")):
        return _refused("问题里有无效的字符（孤立的代理项，不是有效的 Unicode 文字）。", "invalid_text")
    problem = check_question(question)
    if problem:
        return {"answer": problem, "matched": False, "sources": [], "score": 0.0}
    return ctx.kb.ask(question, city or None).as_json()


def cmd_ingest(args, settings: Settings) -> int:
    from db import Store
    from knowledge.dense import ensure_vectors, progress_bar
    from knowledge.embed import shared_embedder
    from knowledge.index import index_plans

    store = Store(settings.db_path)
    errors: list[str] = []
    report = index_plans(store, args.paths or ([settings.plans_dir] if settings.plans_dir else None),
                         force=args.force, progress=sys.stderr, on_error=errors.append)
    for path, reason in report.skipped:
        print(f"跳过 {path}：{reason}", file=sys.stderr)
    for line in errors:
        print(f"错误：{line}", file=sys.stderr)
    print(f"已索引 {len(report.indexed)} 个文件（{report.passages} 段），未变 {len(report.unchanged)} 个，"
          f"跳过 {len(report.skipped)} 个，失败 {len(report.failed)} 个。")
    embedder = shared_embedder(settings.embedder)
    if report.indexed and embedder is not None:
        print(f"语义向量：新算 {ensure_vectors(store, embedder, progress=sys.stderr)} 段。")
    if report.indexed:
        from knowledge import faq_build
        from knowledge.base import KnowledgeBase

        print(f"常见问题已按新文件重建：{faq_build.generate(KnowledgeBase(store, settings.data_dir, embedder))} 条。")
        if embedder is not None:  # now, not in a running bot's background: its first answers are its later ones
            embedded = faq_build.embed_now(store, embedder, report=progress_bar(sys.stderr, "问答向量"))
            print(f"常见问题语义向量：新算 {embedded} 条。")
    # A file of a format ingest does not read, met in a folder, is skipped and named but is no
    # failure; a file that should have been read and was not (damaged, a scan, named on its own) is.
    return 1 if report.failed else 0


def cmd_faq(args, settings: Settings) -> int:
    from knowledge import faq_build, faq_io

    ctx = build_context(settings, faq=args.action != "build")
    if args.action == "build":
        print(f"已生成 {faq_build.generate(ctx.kb)} 条常见问题（管理员整理的条目保持不变）。")
    elif args.action in ("export", "import") and not args.file:
        print(f"请给出文件：python bot.py faq {args.action} FILE.yaml", file=sys.stderr)
        return 2
    elif args.action == "export":
        n = faq_io.export(ctx.store, args.file, include_generated=args.all)
        print(f"已导出 {n} 条到 {args.file}。")
    elif args.action == "import":
        try:
            added, updated = faq_io.import_file(ctx.store, args.file)
        except faq_io.FaqFileError as err:
            print(f"未导入（文件有误，什么都没有改）：{err}", file=sys.stderr)
            return 1
        ctx.kb.reload_faq()  # embeds the imported entries now, not at a running bot's next question
        print(f"已导入：新增 {added} 条，更新 {updated} 条。")
    else:
        for e in ctx.store.faq.entries():
            print(f"#{e['id']}\t{e['kind']}\t{e['question']}")
    return 0


def _faq_parser(sub, common) -> None:
    p = sub.add_parser("faq", parents=[common],
                       help="the FAQ: build from the plans, export / import curated entries (YAML)")
    p.add_argument("action", choices=("build", "export", "import", "list"))
    p.add_argument("file", nargs="?", help="YAML file for export / import")
    p.add_argument("--all", action="store_true", help="export generated entries too (for review)")
    p.set_defaults(func=cmd_faq)


def cmd_migrate(args, settings: Settings) -> int:
    """Copy this SQLite deployment (--db / TUANWU_DB) into the PostgreSQL database --to; safe to re-run."""
    import os
    import time

    from db import Store
    from db.postgres import DatabaseUnavailable, is_url, redacted
    from db.transfer import copy_sqlite_to_postgres

    if not is_url(args.to or ""):
        print("错误：--to 要写 PostgreSQL 地址，例如 postgresql://tuanwu@127.0.0.1:5432/tuanwu", file=sys.stderr)
        return 2
    if is_url(settings.db_path) or not os.path.isfile(settings.db_path):
        print(f"错误：找不到要搬迁的 SQLite 数据库文件：{redacted(settings.db_path)}（用 --db 指定）", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        with Store(settings.db_path) as source, Store(args.to) as target:
            counts = copy_sqlite_to_postgres(source, target)
    except DatabaseUnavailable as err:
        print(f"错误：{err}", file=sys.stderr)
        return 1
    width = max(len(c.table) for c in counts)
    print(f"{'表'.ljust(width)}  {'SQLite':>9}  {'PostgreSQL':>10}")
    for c in counts:
        print(f"{c.table.ljust(width)}  {c.source:>9}  {c.target:>10}  {'✓' if c.ok else '✗ 不一致'}")
    bad = [c.table for c in counts if not c.ok]
    took = time.monotonic() - started
    if bad:
        print(f"已复制 {len(counts)} 张表（{took:.1f} 秒），但这些表数目不一致：{'、'.join(bad)}。"
              "PostgreSQL 里多出的行是迁移之外写入的，请核对后再切换。", file=sys.stderr)
        return 1
    print(f"已复制 {len(counts)} 张表（{took:.1f} 秒），逐表核对数目一致。把 TUANWU_DB 设为新地址即可切换。")
    return 0


def cmd_webhook(args, settings: Settings) -> int:
    from handlers.adapters.wechat_config import ConfigError, WeChatConfig
    from handlers.adapters.wechat_run import serve

    try:
        WeChatConfig.from_env(settings.env, args.command)  # fail before indexing, with the variable named
    except ConfigError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    return serve(build_context(settings), args.command, host=args.host, port=args.port)


def cmd_web(args, settings: Settings) -> int:
    from handlers.adapters.web.run import serve

    products = tuple(p for p in ("wechat", "wecom") if getattr(args, p))
    if products:
        from handlers.adapters.wechat_config import ConfigError, WeChatConfig

        try:
            for product in products:
                WeChatConfig.from_env(settings.env, product)
        except ConfigError as err:
            print(f"错误：{err}", file=sys.stderr)
            return 2
    return serve(build_context(settings), host=args.host, port=args.port, products=products)


def common_options() -> argparse.ArgumentParser:
    """Options every sub-command takes, before or after its name. SUPPRESS as the default matters: a
    sub-parser's own default would otherwise overwrite the value given before the sub-command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="SQLite database file or postgresql:// URL (default: $TUANWU_DB or data/tuanwu.db)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging")
    return common


def parser() -> argparse.ArgumentParser:
    common = common_options()
    ap = argparse.ArgumentParser(prog="bot.py", description="团务助手 League Cadre Assistant", parents=[common])
    sub = ap.add_subparsers(dest="command")

    p = sub.add_parser("console", parents=[common], help="chat in the terminal")
    p.add_argument("--as", dest="user", default="console", help="user id to chat as")
    p.add_argument("--at", help="pretend the chat starts at this ISO instant, e.g. 2026-11-23T09:00:00+08:00")
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("ask", parents=[common], help="answer one question, or JSON lines with --jsonl")
    p.add_argument("question", nargs="*")
    p.add_argument("--city", help="the asker's region, e.g. 东莞")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--jsonl", action="store_true", help='read {"q": …, "city": …} lines on stdin')
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("telegram", parents=[common], help="run the Telegram bot (TELEGRAM_BOT_TOKEN; see README)")
    p.set_defaults(func=cmd_telegram)

    p = sub.add_parser("ingest", parents=[common], help="(re)index plan documents (.txt, .docx, .pdf, .html)")
    p.add_argument("paths", nargs="*", help="files or folders (default: knowledge/plans)")
    p.add_argument("--force", action="store_true", help="re-index unchanged files too")
    p.set_defaults(func=cmd_ingest)
    _faq_parser(sub, common)

    p = sub.add_parser("tick", parents=[common], help="run the scheduler once: plan, expand and send what is due")
    p.add_argument("--at", help="pretend the time is this ISO instant, e.g. 2030-12-24T09:00:00+08:00")
    p.add_argument("--budget", type=float, help="stop sending after this many seconds (default: drain)")
    p.set_defaults(func=cmd_tick)

    p = sub.add_parser("migrate", parents=[common], help="copy this SQLite deployment into PostgreSQL (re-runnable)")
    p.add_argument("--to", required=True, help="postgresql://user@host:5432/dbname")
    p.set_defaults(func=cmd_migrate)

    for name, what in (("wechat", "WeChat official account (公众号) webhook: WECHAT_TOKEN, WECHAT_AES_KEY …"),
                       ("wecom", "WeCom (企业微信) app callback: WECOM_TOKEN, WECOM_AES_KEY, WECOM_CORPID …")):
        p = sub.add_parser(name, parents=[common], help=what)
        p.add_argument("--host", help="listen address (default $%s_HOST or 127.0.0.1)" % name.upper())
        p.add_argument("--port", type=int, help="listen port (default $%s_PORT)" % name.upper())
        p.set_defaults(func=cmd_webhook)

    p = sub.add_parser("web", parents=[common], help="the web dashboard for admins (sign in: send 后台 in chat)")
    p.add_argument("--host", help="listen address (default $TUANWU_WEB_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="listen port (default $TUANWU_WEB_PORT or 8080)")
    p.add_argument("--wechat", action="store_true", help="also serve the WeChat webhook at /wechat")
    p.add_argument("--wecom", action="store_true", help="also serve the WeCom callback at /wecom")
    p.set_defaults(func=cmd_web)
    return ap


def _stacks_on_sigusr1() -> None:
    """`kill -USR1 <pid>`: every thread's stack to stderr (the log); the process goes on. Asking a worker
    that seems stuck where it is costs nothing until then."""
    if not hasattr(signal, "SIGUSR1"):
        return
    try:
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    except (ValueError, OSError, AttributeError):  # stderr is no file (main() called with it captured)
        pass


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(db_path=getattr(args, "db", None))
    from handlers.core.log_redaction import install

    install(settings.env)  # before anything can log a token, whatever the log level
    _stacks_on_sigusr1()
    if args.command is None:
        if settings.env.get("TELEGRAM_BOT_TOKEN", "").strip():
            return cmd_telegram(args, settings)
        args.user = "console"
        return cmd_console(args, settings)
    return args.func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
