"""Secrets never reach a log: a filter on every log handler replaces each configured secret — and the
`secret=` / `access_token=` / `key=` values and URL passwords that libraries put in request URLs — by
*** in the message, its arguments, the exception text and the stack.

Installed by bot.py at start-up, on the root logger's handlers: a handler's filter sees every record
that reaches it, whichever library logged it (python-telegram-bot logs "…/bot<token>/getMe" at DEBUG,
urllib3 logs wechatpy's token URLs), while a logger's filter would see only its own records.
"""
from __future__ import annotations

import logging
import re
import traceback
from typing import Iterable, Mapping
from urllib.parse import parse_qsl, quote, urlsplit

MASK = "***"
SECRET_VARIABLE = re.compile(r"(TOKEN|SECRET|AES_KEY|PASSWORD)$")
URL_SECRET = re.compile(r"\b((?:corp)?secret|access_token|key|token|password)=[^&\s\"'<>]+", re.IGNORECASE)
URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@/\s]+@")
MIN_LENGTH = 4  # shorter values would mask ordinary words; a secret that short is no secret anyway


def configured_secrets(env: Mapping[str, str]) -> list[str]:
    """Every secret the environment configures: tokens, secrets, AES keys, and the robots' URL keys."""
    values = [v.strip() for k, v in env.items() if SECRET_VARIABLE.search(k)]
    for entry in env.get("WECOM_ROBOT_URLS", "").replace(";", ",").split(","):
        url = entry.partition("=")[2] if "=" in entry.split("?")[0] else entry
        values += [v for _, v in parse_qsl(urlsplit(url.strip()).query)]
    values += [quote(v, safe="") for v in values]  # as they appear inside a URL ("123%3AABC")
    return sorted({v for v in values if len(v) >= MIN_LENGTH}, key=len, reverse=True)


class RedactSecrets(logging.Filter):
    """Masks `secrets` and URL credentials in every record it sees; never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted(set(secrets), key=len, reverse=True)  # longest first: no partial leftovers

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return URL_PASSWORD.sub(rf"\1{MASK}@", URL_SECRET.sub(rf"\1={MASK}", text))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is rather than lose the record
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(env: Mapping[str, str], logger: logging.Logger | None = None) -> RedactSecrets:
    """Put one redaction filter on each handler of `logger` (the root logger by default)."""
    logger = logger or logging.getLogger()
    redaction = RedactSecrets(configured_secrets(env))
    for handler in logger.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
            handler.removeFilter(old)
        handler.addFilter(redaction)
    return redaction
