"""The dashboard's URLs: which page or form each is, and what it asks of handlers/dashboard/.

    GET  /login?token=…  confirm a sign-in link      POST /login, /logout
    GET  /               总览                         GET  /org/{id}, /org/{id}/export?month=2026-11
    GET  /deadlines      截止       POST: add, edit, delete, adopt
    GET  /notices        通知       POST: send
    GET  /unanswered     未答       POST: adopt
    GET  /faq            常见问题   POST: add, edit, delete; GET /faq/export[?all=1]; POST /faq/import
    GET  /files          文件       POST: upload → GET /files/{id} (progress)
    GET  /audit          记录
"""
from __future__ import annotations

from aiohttp import web

from handlers.adapters.web.server import COOKIE, CSS, SIGN_IN, WebServer, attachment, see_other
from handlers.dashboard import audit, curation, deadlines, files, notices, progress, signin
from handlers.dashboard.viewer import org_ids

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def add(app: web.Application, server: WebServer) -> None:
    s = server

    async def css(request: web.Request) -> web.Response:
        return web.Response(body=CSS, content_type="text/css", headers={"Cache-Control": "public, max-age=86400"})

    async def login_page(request: web.Request) -> web.Response:
        token = request.query.get("token", "")
        check = await s.pool.run(signin.check_link, token)
        if check.status != "ok":
            return s.message(*signin.REFUSED[check.status])
        whom, scope = signin.link_summary(check.link)
        return s.render("login.html", title="登录", token=token, who=whom, scope=scope, minutes=signin.LINK_MINUTES,
                        hours="%g" % signin.session_hours(s.ctx))

    async def login(request: web.Request) -> web.Response:
        token = (await request.post()).get("token", "")
        check, cookie = await s.pool.run(signin.redeem, token if isinstance(token, str) else "",
                                         request.cookies.get(COOKIE))
        if cookie is None:
            return s.message(*signin.REFUSED[check.status])
        response = see_other("/")
        response.set_cookie(COOKIE, cookie, max_age=int(signin.session_hours(s.ctx) * 3600), path="/",
                            httponly=True, samesite="Lax", secure=s.secure(request))
        return response

    async def logout(request: web.Request) -> web.Response:
        session, viewer, cookie = await s.viewer(request)
        await s.form(request, session)
        await s.pool.run(lambda ctx: (audit.record(ctx, viewer, "退出"), signin.end_session(ctx, cookie)))
        response = s.message(200, "已退出", "您已退出后台。" + SIGN_IN)
        response.del_cookie(COOKIE, path="/")
        return response

    async def overview(request: web.Request) -> web.Response:
        asked = request.query.get("threshold")
        return await s.page(request, "overview.html", "总览", "/",
                            lambda ctx, v: progress.overview(ctx, v, progress.threshold(ctx, asked)))

    async def org(request: web.Request) -> web.Response:
        org_id, page = _int(request.match_info["id"]), _int(request.query.get("page", "1"))
        return await s.page(request, "org.html", "单位", "/", lambda ctx, v: progress.org_page(ctx, v, org_id, page))

    async def export(request: web.Request) -> web.Response:
        _, viewer, _ = await s.viewer(request)
        org_id = _int(request.match_info["id"])
        result = await s.pool.run(progress.export, viewer, org_id, request.query.get("month", ""))
        if result is None:
            return s.message(403, "没有权限", "这个单位不存在，或不归您管理。", ("/", "返回总览"))
        if isinstance(result, str):
            return s.message(400, "无法导出", result, (f"/org/{org_id}", "返回单位"))
        return attachment(result[1], result[0], XLSX)

    async def deadlines_page(request: web.Request) -> web.Response:
        return await s.page(request, "deadlines.html", "截止", "/deadlines", deadlines.page)

    async def notices_page(request: web.Request) -> web.Response:
        return await s.page(request, "notices.html", "通知", "/notices", notices.page)

    async def unanswered_page(request: web.Request) -> web.Response:
        return await s.page(request, "unanswered.html", "未答", "/unanswered", curation.unanswered_page)

    async def faq_page(request: web.Request) -> web.Response:
        page = _int(request.query.get("page", "1"))
        return await s.page(request, "faq.html", "常见问题", "/faq", lambda ctx, v: curation.faq_page(ctx, v, page))

    async def faq_export(request: web.Request) -> web.Response:
        _, viewer, _ = await s.viewer(request)
        data = await s.pool.run(curation.export_yaml, viewer, request.query.get("all") == "1")
        return attachment(data, "faq.yaml", "application/x-yaml")

    async def faq_import(request: web.Request) -> web.Response:
        session, viewer, cookie = await s.viewer(request)
        fields, saved, name = await s.multipart(request, session, files.upload_dir(s.ctx) / ".faq", 2 * 1024 * 1024)
        if saved is None:
            return await s.flash_and_return(cookie, "请选择要导入的 YAML 文件。", "/faq")
        text = await s.pool.run(curation.import_yaml, viewer, str(saved), name)
        return await s.flash_and_return(cookie, text, "/faq")

    async def files_page(request: web.Request) -> web.Response:
        return await s.page(request, "files.html", "文件", "/files", files.page)

    async def upload(request: web.Request) -> web.Response:
        session, viewer, cookie = await s.viewer(request)
        fields, saved, name = await s.multipart(request, session, files.upload_dir(s.ctx), files.MAX_UPLOAD)
        if saved is None:
            return await s.flash_and_return(cookie, "请选择要上传的文件。", "/files")
        result = await s.pool.run(files.start, viewer, str(saved), name)
        if isinstance(result, str):
            return await s.flash_and_return(cookie, result, "/files")
        return see_other(f"/files/{result}")

    async def upload_progress(request: web.Request) -> web.Response:
        upload_id = _int(request.match_info["id"])
        return await s.page(request, "upload.html", "导入文件", "/files",
                            lambda ctx, v: (lambda row: None if row is None else {"upload": row})(
                                files.progress(ctx, v, upload_id)))

    async def audit_page(request: web.Request) -> web.Response:
        return await s.page(request, "audit.html", "记录", "/audit",
                            lambda ctx, v: audit.entries(ctx, v, org_ids(ctx, v)))

    async def posted(request: web.Request) -> web.Response:
        actions = {"/deadlines": deadlines.ACTIONS, "/notices": notices.ACTIONS, "/unanswered": {"adopt": curation.adopt},
                   "/faq": curation.ACTIONS}[request.path]
        return await s.act(request, actions, request.path)

    app.router.add_get("/app.css", css)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", overview)
    app.router.add_get(r"/org/{id:\d{1,18}}", org)
    app.router.add_get(r"/org/{id:\d{1,18}}/export", export)
    app.router.add_get("/deadlines", deadlines_page)
    app.router.add_get("/notices", notices_page)
    app.router.add_get("/unanswered", unanswered_page)
    app.router.add_get("/faq", faq_page)
    app.router.add_get("/faq/export", faq_export)
    app.router.add_post("/faq/import", faq_import)
    app.router.add_get("/files", files_page)
    app.router.add_post("/files", upload)
    app.router.add_get(r"/files/{id:\d{1,18}}", upload_progress)
    app.router.add_get("/audit", audit_page)
    for path in ("/deadlines", "/notices", "/unanswered", "/faq"):
        app.router.add_post(path, posted)


def _int(text: str) -> int:
    return int(text) if text.isdecimal() and len(text) < 19 else 0

