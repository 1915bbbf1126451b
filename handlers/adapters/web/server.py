"""The web dashboard over HTTP: aiohttp serves Jinja2 pages rendered from handlers/dashboard/.

A thin translator like the other adapters: it reads the request (cookie, query, form), asks the core
(handlers.dashboard, in a worker thread with its own database connection) and renders the answer.
Every page needs a session; every form carries the session's CSRF token; every response says
no-store, no framing, no referrer, and a Content-Security-Policy that allows no script at all — the
pages have none (the upload progress page refreshes itself with a meta tag). Jinja2 escapes every
value, so what members type (check-ins, questions, names) is shown as text, never run.
"""
from __future__ import annotations

import hmac
import logging
import secrets
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from handlers.adapters.context_pool import ContextPool
from handlers.dashboard import signin
from handlers.dashboard.viewer import Viewer
from handlers.core.types import Context

log = logging.getLogger(__name__)

COOKIE = "tuanwu_session"
MAX_FORM = 64 * 1024  # forms are small; uploads stream (see multipart) and have their own cap
MAX_FIELD = 16 * 1024
HERE = Path(__file__).parent
CSS = (HERE / "static" / "app.css").read_bytes()
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
NAV = (("/", "总览"), ("/deadlines", "截止"), ("/notices", "通知"), ("/unanswered", "未答"), ("/faq", "常见问题"),
       ("/files", "文件"), ("/audit", "记录"))
GLOBAL_ONLY = ("/unanswered",)
SIGN_IN = "请在聊天中向助手发送“后台”（仅管理员和群管理员可用），点开收到的链接即可登录。链接 10 分钟内有效，只能使用一次。"


class Refused(Exception):
    """A request answered with a page instead of going on (401, 403, 410, 413 …)."""

    def __init__(self, response: web.Response):
        super().__init__(response.status)
        self.response = response


class WebServer:
    def __init__(self, ctx: Context, workers: int = 4):
        self.ctx = ctx
        self.pool = ContextPool(ctx, workers, name="web-worker")
        self.templates = Environment(loader=FileSystemLoader(str(HERE / "templates")), trim_blocks=True,
                                     lstrip_blocks=True, autoescape=select_autoescape(("html",)))
        self.templates.filters.update(pct=percent, ratio=ratio)
        self.trust_proxy = ctx.settings.env.get("TUANWU_WEB_TRUST_PROXY", "").strip().lower() in ("1", "true", "yes")
        self.public_https = signin.base_url(ctx).lower().startswith("https://")

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_FORM)
        self.mount(app)
        return app

    def mount(self, app: web.Application) -> None:
        """Add the dashboard's routes (and its guard) to `app` — its own, or one the WeChat webhook shares."""
        from handlers.adapters.web import routes

        app.middlewares.append(self.guard)
        routes.add(app, self)
        app.on_cleanup.append(self._cleanup)

    async def _cleanup(self, app: web.Application) -> None:
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, self.pool.close)

    # -- every response ----------------------------------------------------------------------------
    @web.middleware
    async def guard(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        try:
            response = await handler(request)
        except Refused as refused:
            response = refused.response
        except web.HTTPRequestEntityTooLarge:
            response = self.message(413, "内容太长", "提交的内容超过了上限，请缩短后再试。")
        except web.HTTPNotFound:
            response = self.message(404, "没有这个页面", "请从导航栏进入各页面。", ("/", "返回总览"))
        except web.HTTPMethodNotAllowed:
            response = self.message(405, "不能这样访问", "请从页面上的按钮提交。", ("/", "返回总览"))
        except web.HTTPException:
            raise
        except Exception:  # noqa: BLE001 - one guard: log it, answer with a page, never a traceback
            log.exception("web page %s failed", request.path)
            response = self.message(500, "出错了", "处理这个页面时出错了，已记录。请稍后再试。")
        if request.path != "/app.css":
            response.headers.update(HEADERS)
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def secure(self, request: web.Request) -> bool:
        """Served over HTTPS: by this server, by a proxy trusted to say so (TUANWU_WEB_TRUST_PROXY), or the
        links' own address is https (the browser then only ever talks to the site over HTTPS)."""
        if request.secure or self.public_https:
            return True
        return self.trust_proxy and request.headers.get("X-Forwarded-Proto", "").lower() == "https"

    # -- pages ----------------------------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **data: Any) -> web.Response:
        data.setdefault("viewer", None)
        data.setdefault("title", "团务助手后台")
        html = self.templates.get_template(template).render(**data)
        response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
        response.enable_compression()
        return response

    def message(self, status: int, title: str, text: str, link: tuple[str, str] | None = None) -> web.Response:
        return self.render("message.html", status, title=title, text=text, link=link)

    async def viewer(self, request: web.Request, path: str | None = None) -> tuple[dict, Viewer, str]:
        """(session, viewer, cookie) of a signed-in admin, or Refused with a page that says what to do."""
        cookie = request.cookies.get(COOKIE, "")
        found = await self.pool.run(signin.who, cookie) if cookie else None
        if found is None:
            raise Refused(self.message(401, "请先登录", SIGN_IN))
        session, viewer = found
        if not viewer.is_admin:
            raise Refused(self.message(403, "没有后台权限", "您已不是管理员，不能再查看后台。如有疑问请联系管理员。"))
        if (path or request.path) in GLOBAL_ONLY and not viewer.is_global:
            raise Refused(self.message(403, "没有权限", "这一页只有管理员（全局）可以查看。", ("/", "返回总览")))
        return session, viewer, cookie

    async def page(self, request: web.Request, template: str, title: str, active: str,
                   build: Callable[[Context, Viewer], dict | None], status: int = 200) -> web.Response:
        """A signed-in page: build its data and render it in a worker (the flash is shown once)."""
        session, viewer, cookie = await self.viewer(request)
        nav = [(p, n) for p, n in NAV if viewer.is_global or p not in GLOBAL_ONLY]

        def work(ctx: Context) -> tuple[dict | None, str | None]:
            data = build(ctx, viewer)
            if data is not None and session.get("flash"):
                signin.set_flash(ctx, cookie, None)
            return data, session.get("flash")

        data, flash = await self.pool.run(work)
        if data is None:
            return self.message(403, "没有权限", "这个单位不存在，或不归您管理。", ("/", "返回总览"))
        return self.render(template, status, viewer=viewer, csrf=session["csrf"], flash=flash, nav=nav,
                           active=active, title=title, **data)

    # -- forms ----------------------------------------------------------------------------------------
    def check_csrf(self, session: dict, sent: object) -> None:
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), session["csrf"].encode()):
            raise Refused(self.message(403, "表单已失效", "这个表单缺少安全校验码，或校验码不对（例如从别的网站提交，"
                                                      "或已重新登录）。请回到页面刷新后重新提交。", ("/", "返回总览")))

    async def form(self, request: web.Request, session: dict) -> dict[str, str]:
        """The posted fields (text only), after the CSRF check."""
        data = await request.post()
        self.check_csrf(session, data.get("csrf"))
        return {k: v for k, v in data.items() if isinstance(v, str)}

    async def multipart(self, request: web.Request, session: dict, folder: Path,
                        limit: int) -> tuple[dict[str, str], Path | None, str]:
        """A form with one file, streamed to `folder` (never held in memory): (fields, the saved file,
        its name as sent). The CSRF field comes first in the form, so nothing is saved without it."""
        if (request.content_length or 0) > limit + MAX_FORM:
            raise Refused(self.message(413, "文件太大", f"文件超过 {limit // (1024 * 1024)} MB 的上限。"))
        fields: dict[str, str] = {}
        saved, name = None, ""
        try:
            async for part in await request.multipart():
                if part.filename is None:
                    fields[part.name or ""] = (await _read_capped(part, MAX_FIELD)).decode("utf-8", "replace")
                    continue
                self.check_csrf(session, fields.get("csrf"))
                folder.mkdir(parents=True, exist_ok=True)
                saved, name, size = folder / f".incoming-{secrets.token_hex(8)}", part.filename, 0
                with open(saved, "wb") as out:
                    while chunk := await part.read_chunk(64 * 1024):
                        size += len(chunk)
                        if size > limit:
                            raise Refused(self.message(413, "文件太大", f"文件超过 {limit // (1024 * 1024)} MB 的上限。"))
                        out.write(chunk)
        except BaseException:
            if saved is not None:
                saved.unlink(missing_ok=True)
            raise
        self.check_csrf(session, fields.get("csrf"))
        return fields, saved, name

    async def act(self, request: web.Request, actions: dict, back: str) -> web.Response:
        """A form naming an action of `actions`: run it as the viewer, show its answer on `back`."""
        session, viewer, cookie = await self.viewer(request, back)
        fields = await self.form(request, session)
        action = actions.get(fields.get("action", ""))
        if action is None:
            return self.message(400, "看不懂这个请求", "表单里没有可以执行的操作。", (back, "返回"))

        def work(ctx: Context) -> None:
            signin.set_flash(ctx, cookie, action(ctx, viewer, fields) or "已完成。")

        await self.pool.run(work)
        return see_other(back)

    async def flash_and_return(self, cookie: str, text: str, back: str) -> web.Response:
        await self.pool.run(signin.set_flash, cookie, text)
        return see_other(back)


def percent(value: float | None) -> str:
    """83.3 → "83.3%", None (nobody was due) → "—": the chat's own rendering (rates.percent_text)."""
    return "—" if value is None else f"{value:g}%"


def ratio(triple: tuple) -> str:
    """(done, expected, rate) → "8/15", or "" when nobody was due."""
    return f"{triple[0]}/{triple[1]}" if triple[1] else ""


def see_other(path: str) -> web.Response:
    return web.Response(status=303, headers={"Location": path})


def attachment(data: bytes, filename: str, content_type: str) -> web.Response:
    """A download, its (Chinese) name kept for browsers that read RFC 5987 and ASCII for the rest."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return web.Response(body=data, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


async def _read_capped(part, limit: int) -> bytes:
    data = b""
    while chunk := await part.read_chunk(8192):
        data += chunk
        if len(data) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(data))
    return data
