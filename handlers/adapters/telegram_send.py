"""Telegram's outbound side: one neutral `Reply` → sendMessage / sendPhoto / sendDocument calls.

Long texts are split under the 4,096-character limit at line breaks, `Reply.choices` become an inline
keyboard on the last message sent (a command over the Bot API's 64 bytes of callback data — a corrected
check-in, a question to answer — travels as `pick:<digest>` and is read back from the choices the router keeps), and `TelegramSender` maps the Bot API's errors to the
scheduler's `SendResult` statuses (a timed-out send is "uncertain": it may have been delivered).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import warnings

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, ReplyParameters
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from handlers.core.types import Choice, Reply, SendResult, Sender

log = logging.getLogger(__name__)

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024
CALLBACK_DATA_LIMIT = 64  # bytes, Bot API limit for InlineKeyboardButton.callback_data
PICK = "pick:"  # callback data standing for a stored choice whose command is too long to travel itself
SHORT_LABEL = 6  # labels up to this many characters (city names) share a row, three to a row


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut text into pieces of at most `limit` characters, at line breaks where possible."""
    text = text.rstrip() or "（空）"
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single line longer than a message: cut it hard
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return parts


class _SendOnce(int):
    """`rate_limit_args` for one attempt: AIORateLimiter reads `rate_limit_args or max_retries`, so a
    plain 0 would mean "the default retries"; this 0 is truthy and still counts as zero retries."""

    def __bool__(self) -> bool:
        return True


SEND_ONCE = _SendOnce(0)


def chat_ref(chat_id: int | str) -> int | str:
    """Numeric ids as int: AIORateLimiter takes any *string* chat id for a group (20 per minute)."""
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return chat_id  # "@channelname"


def too_long(command: str) -> bool:
    return len(command.encode()) > CALLBACK_DATA_LIMIT


def pick_data(command: str) -> str:
    """The callback data of a choice: its command, or a digest of it when the command is too long."""
    return f"{PICK}{hashlib.sha256(command.encode()).hexdigest()[:16]}" if too_long(command) else command


def keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup | None:
    """Inline buttons whose callback_data is the command the choice stands for (or its `pick:` digest)."""
    buttons = [InlineKeyboardButton(choice.label[:64], callback_data=pick_data(choice.command)) for choice in choices]
    if not buttons:
        return None
    width = 3 if all(len(b.text) <= SHORT_LABEL for b in buttons) else 1
    return InlineKeyboardMarkup([buttons[i:i + width] for i in range(0, len(buttons), width)])


async def send_reply(bot: Bot, chat_id: int | str, reply: Reply, reply_to: int | None = None,
                     rate_limit_args: int | None = None) -> list[Message]:
    """Send one Reply to a chat; the keyboard goes on the last message, a quote on the first."""
    chat_id = chat_ref(chat_id)
    markup = keyboard(reply.choices)
    quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    sent: list[Message] = []
    att = reply.attachment
    caption = reply.text.strip() if att and len(reply.text.strip()) <= CAPTION_LIMIT else None
    texts = [] if att and caption is not None else split_text(reply.text)
    if att and not reply.text.strip():
        caption = None
    for n, part in enumerate(texts):
        last = n == len(texts) - 1 and att is None
        sent.append(await bot.send_message(chat_id, part, reply_markup=markup if last else None,
                                           reply_parameters=quote if not sent else None,
                                           rate_limit_args=rate_limit_args))
    if att:
        send = bot.send_photo if att.kind == "photo" else bot.send_document
        field = "photo" if att.kind == "photo" else "document"
        sent.append(await send(chat_id, **{field: InputFile(att.data, filename=att.filename)},
                               caption=caption or None, reply_markup=markup,
                               reply_parameters=quote if not sent else None, rate_limit_args=rate_limit_args))
    return sent


def retry_seconds(err: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB's settings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that the int form is deprecated
        value = err.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class TelegramSender(Sender):
    """The scheduler's outbound door to Telegram: push a Reply to `reply.chat_id` and say what happened.

    It sends once: a 429 comes back as "retry" so the scheduler pauses the whole platform and retries
    from the outbox, instead of PTB sleeping inside a send the scheduler times out after 30 s.
    """

    platform = "telegram"

    def __init__(self, bot: Bot):
        self.bot = bot

    async def send(self, reply: Reply) -> SendResult:
        if not reply.chat_id:
            return SendResult("failed", detail="no chat_id")
        try:
            sent = await send_reply(self.bot, reply.chat_id, reply, rate_limit_args=SEND_ONCE)
        except RetryAfter as err:
            return SendResult("retry", retry_after=retry_seconds(err), detail=str(err))
        except TimedOut as err:
            return SendResult("uncertain", detail=str(err) or "timed out")
        except (Forbidden, BadRequest) as err:  # BadRequest is a NetworkError: caught first
            return SendResult("failed", detail=str(err))
        except NetworkError as err:
            # A refused connection never reached Telegram, so resending is safe; anything else
            # (a connection cut mid-answer) may have been delivered.
            if isinstance(err.__cause__, httpx.ConnectError):
                return SendResult("retry", retry_after=5.0, detail=str(err))
            return SendResult("uncertain", detail=str(err))
        except TelegramError as err:
            return SendResult("failed", detail=f"{type(err).__name__}: {err}")
        return SendResult("sent", detail=",".join(str(m.message_id) for m in sent))
