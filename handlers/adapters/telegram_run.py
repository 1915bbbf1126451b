"""Running the Telegram adapter: configuration from TELEGRAM_* variables, long polling or a webhook,
and the scheduler tick on PTB's JobQueue.

At start the Bot API may be unreachable (the network is down, a proxy is restarting): the bot then
retries with a growing pause (1 s, 2 s … at most 60 s), logging each attempt, for as long as it takes —
an unattended deployment comes back by itself when the network does, and a supervisor that restarts
it would do nothing better; Ctrl-C / SIGTERM end the wait cleanly. A token Telegram rejects is not
retried: the process exits at once saying so.

    TELEGRAM_BOT_TOKEN       the bot's token (required; never logged)
    TELEGRAM_API_BASE        Bot API server root, e.g. http://127.0.0.1:8081 (default: Telegram's)
    TELEGRAM_WEBHOOK_URL     public https URL Telegram posts updates to; unset: long polling
    TELEGRAM_WEBHOOK_SECRET  the secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token
    TELEGRAM_LISTEN          address the webhook server binds (default 127.0.0.1, behind a proxy)
    TELEGRAM_PORT            port the webhook server binds (default 8443)
"""
from __future__ import annotations

import asyncio
import logging
import re
import sys
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlparse

from telegram.error import InvalidToken, RetryAfter, TelegramError

from handlers.adapters.telegram_adapter import ALLOWED_UPDATES, PLATFORM, TelegramAdapter
from handlers.adapters.telegram_send import TelegramSender
from handlers.core.types import Context

log = logging.getLogger(__name__)

SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # the Bot API's rule for secret_token
TICK_SECONDS = 30.0
RETRY_FIRST, RETRY_MAX = 1.0, 60.0  # seconds between start-up attempts: doubling, capped
DEFAULT_API = "https://api.telegram.org"

class ConfigError(ValueError):
    """A TELEGRAM_* variable is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_base: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    poll_interval: float = 0.0
    tick_seconds: float = TICK_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "TelegramConfig":
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError("没有设置 TELEGRAM_BOT_TOKEN（向 @BotFather 申请机器人令牌）。")
        api_base = env.get("TELEGRAM_API_BASE", "").strip().rstrip("/") or None
        if api_base:
            # Accept both the server root and PTB's ".../bot" form of the same address.
            api_base = api_base.removesuffix("/bot")
            if urlparse(api_base).scheme not in ("http", "https"):
                raise ConfigError(f"TELEGRAM_API_BASE 应是 http(s) 地址，例如 http://127.0.0.1:8081，而不是 {api_base!r}。")
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
        if webhook_url and urlparse(webhook_url).scheme not in ("http", "https"):
            raise ConfigError("TELEGRAM_WEBHOOK_URL 应是完整的 https 地址，例如 https://example.org/telegram。")
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
        if secret and not SECRET.fullmatch(secret):
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET 只能由 1–256 个字母、数字、_ 或 - 组成。")
        port_text = env.get("TELEGRAM_PORT", "8443").strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"TELEGRAM_PORT 应是 1–65535 之间的端口号，而不是 {port_text!r}。")
        return cls(token=token, api_base=api_base, webhook_url=webhook_url, webhook_secret=secret,
                   listen=env.get("TELEGRAM_LISTEN", "").strip() or "127.0.0.1", port=int(port_text))

    def __repr__(self) -> str:  # the token and the secret stay out of logs and tracebacks
        return f"TelegramConfig(api_base={self.api_base!r}, webhook_url={self.webhook_url!r}, port={self.port})"


def schedule_tick(adapter: TelegramAdapter, seconds: float = TICK_SECONDS):
    """Run the scheduler's tick on the JobQueue, sending its pushes through a TelegramSender."""
    from handlers.core.scheduler import Scheduler

    scheduler = Scheduler(adapter.ctx, {PLATFORM: TelegramSender(adapter.app.bot)})

    async def run_tick(context) -> None:
        try:  # the budget ends a tick before the next is due (APScheduler skips an overlapping run)
            await scheduler.tick(budget=seconds * 0.8)
        except Exception:  # one failed tick must not stop the next ones
            log.exception("scheduler tick failed")

    adapter.app.job_queue.run_repeating(run_tick, interval=seconds, first=min(seconds, 1.0), name="scheduler-tick")
    return scheduler


async def connect(app, config: TelegramConfig, stop: asyncio.Event) -> bool:
    """Initialize the Application (getMe) once the Bot API answers; False when stopped before that.
    InvalidToken (Telegram said 401/404 to this token) is raised: retrying cannot fix it."""
    delay, attempt = RETRY_FIRST, 1
    while not stop.is_set():
        try:
            await app.initialize()
            if attempt > 1:
                log.warning("Telegram Bot API reachable again after %d attempts", attempt)
            return True
        except InvalidToken:
            raise
        except TelegramError as err:  # NetworkError, TimedOut, a 5xx, a proxy's error page …
            wait = max(delay, _seconds(err.retry_after)) if isinstance(err, RetryAfter) else delay
            log.warning("Telegram Bot API at %s unreachable (%s: %s); retrying in %.0f s (attempt %d)",
                        config.api_base or DEFAULT_API, type(err).__name__, err, wait, attempt)
        try:
            await asyncio.wait_for(stop.wait(), wait)
        except asyncio.TimeoutError:
            pass
        delay, attempt = min(delay * 2, RETRY_MAX), attempt + 1
    log.warning("stopped before the Telegram Bot API answered")
    return False


def _seconds(value) -> float:
    """RetryAfter.retry_after: an int in PTB 22, a timedelta in later versions."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


async def serve(adapter: TelegramAdapter, config: TelegramConfig, stop: asyncio.Event, tick: bool = True) -> None:
    """Run until `stop` is set: connect, publish the menu, take updates by webhook or long polling, tick."""
    app = adapter.app
    if not await connect(app, config, stop):
        await adapter.close()
        return
    async with app:  # initialized above … shutdown
        try:
            await adapter.publish_commands()
        except Exception as err:  # a missing menu is no reason not to answer
            log.warning("set_my_commands failed: %s", err)
        if tick:
            schedule_tick(adapter, config.tick_seconds)
        if config.webhook_url:
            await app.updater.start_webhook(
                listen=config.listen, port=config.port, url_path=urlparse(config.webhook_url).path.lstrip("/"),
                webhook_url=config.webhook_url, secret_token=config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES)
            log.warning("Telegram webhook listening on %s:%s", config.listen, config.port)
        else:
            await app.updater.start_polling(poll_interval=config.poll_interval, allowed_updates=ALLOWED_UPDATES)
            log.warning("Telegram long polling started")
        await app.start()
        try:
            await stop.wait()
        finally:
            await app.updater.stop()
            await app.stop()
            await adapter.close()


def run(ctx: Context, config: TelegramConfig) -> int:
    """Blocking entry for bot.py: serve until SIGINT/SIGTERM."""
    import signal

    # httpx logs every request URL at INFO, and the URL carries the token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    adapter = TelegramAdapter.build(ctx, config.token, base_url=config.api_base)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(adapter, config, stop)

    try:
        asyncio.run(main())
    except InvalidToken as err:
        log.error("Telegram rejected the bot token: %s", err)
        print("错误：Telegram 不接受 TELEGRAM_BOT_TOKEN（令牌无效或已被撤销）。请向 @BotFather 核对后重试。",
              file=sys.stderr)
        return 2
    return 0
