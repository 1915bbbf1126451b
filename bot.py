#!/usr/bin/env python3
"""团务助手 — entry point. Reads settings from the environment once, builds the app, runs one adapter.

    python bot.py                      console chat (or Telegram when TELEGRAM_BOT_TOKEN is set)
    python bot.py console --as USER    scripted console: one message per input line
    python bot.py ask "问题" [--city 东莞] [--json]
    python bot.py ask --jsonl          JSON lines in ({"q", "city"}), JSON lines out
    python bot.py ingest [PATH …]      (re)index plan documents
    python bot.py telegram             Telegram bot (long polling, or a webhook with TELEGRAM_WEBHOOK_URL)
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
    from knowledge.index import ensure_indexed

    store = Store(settings.db_path)
    if index:
        ensure_indexed(store, settings.plans_dir or None)
    return Context(store=store, kb=KnowledgeBase(store, settings.data_dir), settings=settings)


def cmd_console(args, settings: Settings) -> int:
    from handlers.adapters.console_adapter import ConsoleChat

    return ConsoleChat(build_context(settings), user=args.user).run()


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
    from knowledge.index import index_plans

    store = Store(settings.db_path)
    errors: list[str] = []
    report = index_plans(store, args.paths or ([settings.plans_dir] if settings.plans_dir else None),
                         force=args.force, progress=sys.stderr, on_error=errors.append)
    for line in errors:
        print(f"错误：{line}", file=sys.stderr)
    print(f"已索引 {len(report.indexed)} 个文件（{report.passages} 段），未变 {len(report.unchanged)} 个，"
          f"失败 {len(report.failed)} 个。")
    return 1 if report.failed else 0


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
