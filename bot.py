#!/usr/bin/env python3
"""团务助手 — entry point. Reads settings from the environment once, builds the app, runs one adapter.

    python bot.py                      console chat (or Telegram when TELEGRAM_BOT_TOKEN is set)
    python bot.py console --as USER    scripted console: one message per input line
    python bot.py ask "问题" [--city 东莞] [--json]
    python bot.py ask --jsonl          JSON lines in ({"q", "city"}), JSON lines out
    python bot.py ingest [PATH …]      (re)index plan documents and embed their new passages
    python bot.py telegram             Telegram bot (long polling, or a webhook with TELEGRAM_WEBHOOK_URL)
    python bot.py tick [--at ISO-TIME]  run the scheduler once (cron; console chats get pushes printed)
    python bot.py wechat | wecom       WeChat official account / WeCom app webhook server
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from handlers.types import Context, Settings

log = logging.getLogger("bot")


def build_context(settings: Settings, index: bool = True) -> Context:
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
    if (report and report.indexed) or (index and not store.faq_count("generated")):
        from knowledge import faq

        faq.rebuild(kb)
    return Context(store=store, kb=kb, settings=settings)


def cmd_console(args, settings: Settings) -> int:
    from handlers.adapters.console_adapter import ConsoleChat, ConsoleSender

    ctx = build_context(settings)
    chat = ConsoleChat(ctx, user=args.user)
    chat.after = lambda: _tick(ctx, {"console": ConsoleSender(chat.out)}, budget=5.0)  # pushes show up at once
    return chat.run()


def _tick(ctx: Context, senders: dict, budget: float | None = None):
    import asyncio

    from handlers.scheduler import Scheduler

    return asyncio.run(Scheduler(ctx, senders).tick(budget))


def cmd_tick(args, settings: Settings) -> int:
    import datetime as dt
    import time

    from handlers.adapters.console_adapter import ConsoleSender

    ctx = build_context(settings)
    if args.at:
        try:
            at = dt.datetime.fromisoformat(args.at)
        except ValueError:
            print(f"--at 需要 ISO 时间，例如 2030-12-24T09:00:00+08:00（收到：{args.at}）", file=sys.stderr)
            return 2
        at = at if at.tzinfo else at.replace(tzinfo=settings.tz)
        started = time.monotonic()
        ctx.clock = lambda: at + dt.timedelta(seconds=time.monotonic() - started)  # time still moves
    report = _tick(ctx, {"console": ConsoleSender()}, budget=args.budget)
    log.info("tick: %s", report)
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
    ctx = build_context(settings)
    if args.jsonl:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                question, city = str(item.get("q") or ""), item.get("city")
            except (json.JSONDecodeError, AttributeError) as err:
                out = {"answer": f"输入不是有效的 JSON：{err}", "matched": False, "sources": [], "score": 0.0}
            else:
                out = _answer(ctx, question, city)
            print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0
    question = " ".join(args.question).strip()
    out = _answer(ctx, question, args.city)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(out["answer"])
    return 0 if out["matched"] else 1


def _answer(ctx: Context, question: str, city: str | None) -> dict:
    from handlers.ask import check_question

    problem = check_question(question)
    if problem:
        return {"answer": problem, "matched": False, "sources": [], "score": 0.0}
    return ctx.kb.ask(question, city or None).as_json()


def cmd_ingest(args, settings: Settings) -> int:
    from db import Store
    from knowledge.dense import ensure_vectors
    from knowledge.embed import shared_embedder
    from knowledge.index import index_plans

    store = Store(settings.db_path)
    errors: list[str] = []
    report = index_plans(store, args.paths or ([settings.plans_dir] if settings.plans_dir else None),
                         force=args.force, progress=sys.stderr, on_error=errors.append)
    for line in errors:
        print(f"错误：{line}", file=sys.stderr)
    print(f"已索引 {len(report.indexed)} 个文件（{report.passages} 段），未变 {len(report.unchanged)} 个，"
          f"失败 {len(report.failed)} 个。")
    embedder = shared_embedder(settings.embedder)
    if report.indexed and embedder is not None:
        print(f"语义向量：新算 {ensure_vectors(store, embedder, progress=sys.stderr)} 段。")
    if report.indexed:
        from knowledge import faq
        from knowledge.base import KnowledgeBase

        print(f"常见问题已按新文件重建：{faq.rebuild(KnowledgeBase(store, settings.data_dir, embedder))} 条。")
    return 1 if report.failed else 0


def cmd_faq(args, settings: Settings) -> int:
    from knowledge import faq, faq_io

    ctx = build_context(settings)
    if args.action == "build":
        print(f"已生成 {faq.rebuild(ctx.kb)} 条常见问题（管理员整理的条目保持不变）。")
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
        print(f"已导入：新增 {added} 条，更新 {updated} 条。")
    else:
        for e in ctx.store.faq_entries():
            print(f"#{e['id']}\t{e['kind']}\t{e['question']}")
    return 0


def _faq_parser(sub) -> None:
    p = sub.add_parser("faq", help="the FAQ: build from the plans, export / import curated entries (YAML)")
    p.add_argument("action", choices=("build", "export", "import", "list"))
    p.add_argument("file", nargs="?", help="YAML file for export / import")
    p.add_argument("--all", action="store_true", help="export generated entries too (for review)")
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_faq)


def cmd_webhook(args, settings: Settings) -> int:
    from handlers.adapters.wechat_adapter import serve
    from handlers.adapters.wechat_config import ConfigError, WeChatConfig

    try:
        WeChatConfig.from_env(settings.env, args.command)  # fail before indexing, with the variable named
    except ConfigError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    return serve(build_context(settings), args.command, host=args.host, port=args.port)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="bot.py", description="团务助手 League Cadre Assistant")
    ap.add_argument("--db", help="SQLite database file (default: $TUANWU_DB or data/tuanwu.db)")
    ap.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = ap.add_subparsers(dest="command")

    p = sub.add_parser("console", help="chat in the terminal")
    p.add_argument("--as", dest="user", default="console", help="user id to chat as")
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("ask", help="answer one question, or JSON lines with --jsonl")
    p.add_argument("question", nargs="*")
    p.add_argument("--city", help="the asker's region, e.g. 东莞")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--jsonl", action="store_true", help='read {"q": …, "city": …} lines on stdin')
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("telegram", help="run the Telegram bot (TELEGRAM_BOT_TOKEN; see README)")
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_telegram)

    p = sub.add_parser("ingest", help="(re)index plan documents (.txt, .docx)")
    p.add_argument("paths", nargs="*", help="files or folders (default: knowledge/plans)")
    p.add_argument("--force", action="store_true", help="re-index unchanged files too")
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ingest)
    _faq_parser(sub)

    p = sub.add_parser("tick", help="run the scheduler once: plan, expand and send what is due")
    p.add_argument("--at", help="pretend the time is this ISO instant, e.g. 2030-12-24T09:00:00+08:00")
    p.add_argument("--budget", type=float, help="stop sending after this many seconds (default: drain)")
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_tick)

    for name, what in (("wechat", "WeChat official account (公众号) webhook: WECHAT_TOKEN, WECHAT_AES_KEY …"),
                       ("wecom", "WeCom (企业微信) app callback: WECOM_TOKEN, WECOM_AES_KEY, WECOM_CORPID …")):
        p = sub.add_parser(name, help=what)
        p.add_argument("--host", help="listen address (default $%s_HOST or 127.0.0.1)" % name.upper())
        p.add_argument("--port", type=int, help="listen port (default $%s_PORT)" % name.upper())
        p.add_argument("--db", help=argparse.SUPPRESS)
        p.set_defaults(func=cmd_webhook)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(db_path=getattr(args, "db", None))
    if args.command is None:
        if settings.env.get("TELEGRAM_BOT_TOKEN", "").strip():
            return cmd_telegram(args, settings)
        args.user = "console"
        return cmd_console(args, settings)
    return args.func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
