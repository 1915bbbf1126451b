"""The Bot API emulator for end-to-end tests and benchmarks: installs telegram-test-api (pinned) into
.cache/npm, starts it through tests/telegram_emulator.js on 127.0.0.1, drives it as Telegram users,
and runs the real adapter against it in a background thread.

    python tests/telegram_emulator.py --install     (what .ci/run calls; a no-op when cached)
"""
from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE, VERSION = "telegram-test-api", "4.2.1"
CACHE = ROOT / ".cache" / "npm"
WRAPPER = Path(__file__).with_name("telegram_emulator.js")


def missing_reason() -> str | None:
    """Why the emulator cannot run here, or None."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} not found on PATH: the Telegram end-to-end tests need Node.js and npm"
    return None


def install() -> Path:
    """npm install the pinned emulator into .cache/npm unless that version is already there. One process
    at a time (the test workers may all get here first on a fresh clone): the others wait, then find it."""
    import fcntl

    manifest = CACHE / "node_modules" / PACKAGE / "package.json"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "install.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if manifest.exists() and json.loads(manifest.read_text())["version"] == VERSION:
            return CACHE / "node_modules"
        subprocess.run(["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--loglevel=error",
                        f"{PACKAGE}@{VERSION}"], check=True, timeout=300, stdout=subprocess.DEVNULL)
    return CACHE / "node_modules"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_ids = itertools.count(int(time.time()) % 100_000 * 10)


class Emulator:
    """One emulator process (stopped by its PID), and a client that speaks as Telegram users."""

    def __init__(self, port: int = 0):
        env = dict(os.environ, NODE_PATH=str(install()))
        self.proc = subprocess.Popen(["node", str(WRAPPER), str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env, text=True)  # it exits when our end of stdin closes
        line = self.proc.stdout.readline()  # {"port": N} once listening
        if not line:
            raise RuntimeError(f"telegram emulator exited with {self.proc.wait()}")
        self.url = f"http://127.0.0.1:{json.loads(line)['port']}"
        import httpx  # here, so `--install` runs on a bare python3 before the venv exists

        self.http = httpx.Client(base_url=self.url, timeout=10)

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    # --- users' side --------------------------------------------------------------------------------
    def say(self, token: str, text: str, user: int, chat: dict | None = None, reply_to: dict | None = None,
            name: str = "小李") -> None:
        """A user sends `text` to the bot (in their private chat unless `chat` is a group)."""
        msg = {"botToken": token, "date": int(time.time()), "text": text,
               "from": {"id": user, "is_bot": False, "first_name": name},
               "chat": chat or {"id": user, "type": "private", "first_name": name}}
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to:
            msg["reply_to_message"] = reply_to
        self.http.post("/sendMessage", json=msg).raise_for_status()

    def press(self, token: str, bot_message: dict, label: str, user: int, name: str = "小李") -> None:
        """A user presses the inline button labelled `label` under one of the bot's messages."""
        rows = bot_message["reply_markup"]["inline_keyboard"]
        data = next(b["callback_data"] for row in rows for b in row if b["text"] == label)
        chat = {"id": int(bot_message["chat_id"]), "type": "private" if int(bot_message["chat_id"]) > 0 else "supergroup"}
        carrier = {"message_id": bot_message["message_id"], "date": int(time.time()), "chat": chat,
                   "text": bot_message.get("text", "")}
        self.http.post("/sendCallback", json={"botToken": token, "data": data, "message": carrier,
                                              "from": {"id": user, "is_bot": False, "first_name": name}}
                       ).raise_for_status()

    def replies(self, token: str, chat_id: int, count: int = 1, timeout: float = 15.0, quiet: float = 0.0) -> list[dict]:
        """The bot's next `count` messages in a chat (each with its message_id); waits up to `timeout`,
        then up to `quiet` seconds more for any extra (unexpected) message."""
        got: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(got) < count and (left := deadline - time.monotonic()) > 0:
            got += self._fetch(token, chat_id, left)
        if quiet:
            got += self._fetch(token, chat_id, quiet)
        return got

    def _fetch(self, token: str, chat_id: int, wait: float = 0.0) -> list[dict]:
        """Long-polls the emulator for the bot's unread messages in a chat (wrapper patch 11)."""
        result = self.http.post("/getUpdates", json={"token": token, "chatId": chat_id, "timeout": wait},
                                timeout=wait + 10).json()["result"]
        return [dict(item["message"], message_id=item["messageId"]) for item in result]

    # --- test controls (tests/telegram_emulator.js, patch 10) ----------------------------------------
    def set_admins(self, chat_id: int, user_ids: list[int]) -> None:
        self.http.post("/_compat/admins", json={"chat_id": chat_id, "user_ids": user_ids}).raise_for_status()

    def fail(self, method: str, count: int = 1, error_code: int = 429, retry_after: int = 1) -> None:
        self.http.post("/_compat/fail", json={"method": method, "count": count, "error_code": error_code,
                                              "retry_after": retry_after}).raise_for_status()

    def calls(self) -> dict:
        return self.http.get("/_compat/calls").json()["result"]

    def bot_api(self, token: str, method: str, **params) -> object:
        return self.http.post(f"/bot{token}/{method}", json=params).json()["result"]


def new_token() -> str:
    """A distinct bot per test keeps their queues apart on one emulator."""
    return f"{next(_ids)}:TEST-{os.getpid()}"


class RunningBot:
    """The real adapter serving in a background thread (its own event loop) until `close()`."""

    def __init__(self, ctx, config, tick: bool = False):
        from handlers.adapters.telegram_adapter import TelegramAdapter
        from handlers.adapters.telegram_run import serve

        self.adapter = TelegramAdapter.build(ctx, config.token, base_url=config.api_base)
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.error: BaseException | None = None

        async def main() -> None:
            self.stop_event = asyncio.Event()
            await serve(self.adapter, config, self.stop_event, tick)

        def target() -> None:
            try:
                self.loop.run_until_complete(main())
            except BaseException as err:  # surfaced by wait_ready/close
                self.error = err

        self.thread = threading.Thread(target=target, name="telegram-bot", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.adapter.app.running and time.monotonic() < deadline and self.thread.is_alive():
            time.sleep(0.01)
        if not self.adapter.app.running:
            raise RuntimeError(f"bot did not start: {self.error!r}")

    def start_ticks(self, seconds: float) -> None:
        """Start the scheduler tick on the bot's JobQueue now (tests choose when pushes may begin)."""
        from handlers.adapters.telegram_run import schedule_tick

        async def start() -> None:
            schedule_tick(self.adapter, seconds)

        self.call(start())

    def call(self, coro, timeout: float = 30.0):
        """Run a coroutine on the bot's loop (e.g. a TelegramSender.send) and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout=30)
        self.loop.close()


def moving_clock(start):
    """A clock that starts at `start` and runs in real time (the scheduler waits in real time here)."""
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


if __name__ == "__main__":
    if "--install" in sys.argv:
        reason = missing_reason()
        if reason:
            print(f"skipping the emulator install: {reason}", file=sys.stderr)
        else:
            print(f"{PACKAGE}@{VERSION} in {install()}")
