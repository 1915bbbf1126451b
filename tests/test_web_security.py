"""The dashboard's sign-in and its walls: one-time links (expired, reused, forged → refused, in Chinese),
who gets a link at all, sessions and their cookies, CSRF on every form, each admin's own orgs only."""
from __future__ import annotations

import dataclasses
import logging
import re

import httpx
import pytest
from itsdangerous import URLSafeSerializer

from conftest import message, operator
from handlers.core.router import dispatch
from handlers.core.types import GROUP
from web_harness import ask_link, csrf_of, serving, signed_in


def group_msg(text: str, user: str, chat: str, title: str, admin: bool = False):
    return message(text, user=user, platform="telegram", chat_id=chat, chat_type=GROUP, chat_title=title,
                   user_name=f"用户{user}", chat_admin=admin)


def test_a_global_admin_signs_in_once_and_the_link_is_then_spent(ctx):
    token, replies = ask_link(ctx, operator("后台"))
    assert token and "10 分钟内有效" in replies[0].text
    with serving(ctx) as base:
        anonymous = httpx.get(f"{base}/", timeout=30)
        assert anonymous.status_code == 401 and "后台" in anonymous.text  # how to get a link
        confirm = httpx.get(f"{base}/login", params={"token": token}, timeout=30)
        assert confirm.status_code == 200 and "进入后台" in confirm.text  # a GET (a link preview) spends nothing
        client = signed_in(base, token)
        assert client.get("/").status_code == 200
        again = httpx.post(f"{base}/login", data={"token": token}, timeout=30)
        assert again.status_code == 410 and "只能使用一次" in again.text
        assert httpx.get(f"{base}/login", params={"token": token}, timeout=30).status_code == 410


def test_an_expired_link_is_refused_and_says_so(ctx, clock):
    token, _ = ask_link(ctx, operator("后台"))
    clock.advance(minutes=10, seconds=1)
    with serving(ctx) as base:
        response = httpx.post(f"{base}/login", data={"token": token}, timeout=30)
        assert response.status_code == 410 and "已经过期" in response.text
        assert httpx.get(f"{base}/", cookies=response.cookies, timeout=30).status_code == 401


def test_forged_links_are_refused(ctx):
    token, _ = ask_link(ctx, operator("后台"))
    payload, _, signature = token.rpartition(".")
    other_key = URLSafeSerializer("not-our-secret", salt="tuanwu-web-link").dumps({"j": "guessed"})
    with serving(ctx) as base:
        for forged in (payload + "." + signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"), other_key,
                       "nonsense", ""):
            response = httpx.post(f"{base}/login", data={"token": forged}, timeout=30)
            assert response.status_code == 403 and "链接无效" in response.text, forged
        assert signed_in(base, token).get("/").status_code == 200  # the real one still works


def test_a_member_gets_no_link_and_a_revoked_admins_session_loses_the_pages(ctx):
    token, replies = ask_link(ctx, message("后台", user="member1"))
    assert token is None and "管理员" in replies[0].text
    dispatch(ctx, operator("管理员 添加 console:deputy"))
    token, _ = ask_link(ctx, message("后台", user="deputy"))
    with serving(ctx) as base:
        client = signed_in(base, token)
        assert client.get("/deadlines").status_code == 200
        dispatch(ctx, operator("管理员 删除 console:deputy"))  # a member again
        for path in ("/", "/deadlines", "/notices", "/faq", "/files", "/audit"):
            response = client.get(path)
            assert response.status_code == 403 and "已不是管理员" in response.text, path


def test_in_a_group_the_link_goes_to_the_admin_privately(ctx):
    token, replies = ask_link(ctx, group_msg("后台", "501", "-100", "城东团支部", admin=True))
    group_reply, private = replies
    assert "token=" not in group_reply.text and not group_reply.is_push
    assert private.is_push and private.chat_id == "501" and private.platform == "telegram" and token
    _, refused = ask_link(ctx, group_msg("后台", "502", "-100", "城东团支部"))
    assert all("token=" not in r.text for r in refused)  # a member of the group gets none


def _two_orgs(ctx):
    """Two groups with a member each, and a link for each group's admin."""
    for chat, title, member in (("-1", "甲团支部", "11"), ("-2", "乙团支部", "21")):
        dispatch(ctx, group_msg("打卡 组织青年大学习", member, chat, title))
    first, _ = ask_link(ctx, group_msg("后台", "10", "-1", "甲团支部", admin=True))
    second, _ = ask_link(ctx, group_msg("后台", "20", "-2", "乙团支部", admin=True))
    orgs = {o["name"]: o["id"] for o in ctx.store.orgs.all()}
    return first, second, orgs


def test_a_group_admin_sees_only_their_own_org(ctx):
    first, second, orgs = _two_orgs(ctx)
    with serving(ctx) as base:
        mine, theirs = signed_in(base, second), orgs["甲团支部"]
        overview = mine.get("/").text
        assert "乙团支部" in overview and "甲团支部" not in overview
        assert mine.get(f"/org/{orgs['乙团支部']}").status_code == 200
        for path in (f"/org/{theirs}", f"/org/{theirs}/export?month=2026-11", "/org/999999"):
            response = mine.get(path)
            assert response.status_code == 403 and "不归您管理" in response.text, path
        assert mine.get("/unanswered").status_code == 403  # 未答 is for global admins, as in chat
        own = signed_in(base, first)
        export = own.get(f"/org/{theirs}/export", params={"month": "2026-11"})
        assert export.status_code == 200 and export.content[:2] == b"PK"


def test_links_from_two_groups_add_up_in_one_browser_session(ctx):
    for chat, title in (("-1", "甲团支部"), ("-2", "乙团支部")):
        dispatch(ctx, group_msg("打卡 组织青年大学习", "31", chat, title))
    first, _ = ask_link(ctx, group_msg("后台", "30", "-1", "甲团支部", admin=True))
    second, _ = ask_link(ctx, group_msg("后台", "30", "-2", "乙团支部", admin=True))
    with serving(ctx) as base:
        client = signed_in(base, first)
        assert "乙团支部" not in client.get("/").text
        assert client.post("/login", data={"token": second}).status_code == 303
        page = client.get("/").text
        assert "甲团支部" in page and "乙团支部" in page


def test_a_form_without_its_csrf_token_changes_nothing(ctx):
    token, _ = ask_link(ctx, operator("后台"))
    with serving(ctx) as base:
        client = signed_in(base, token)
        form = {"action": "add", "date": "2026-12-31", "title": "提交年度考核材料"}
        for extra in ({}, {"csrf": "wrong"}):
            response = client.post("/deadlines", data=form | extra)
            assert response.status_code == 403 and "安全校验码" in response.text
        upload = client.post("/files", files={"file": ("x.txt", b"abc")})
        assert upload.status_code == 403
        assert ctx.store.reminders.deadlines() == []
        ok = client.post("/deadlines", data=form | {"csrf": csrf_of(client.get("/deadlines").text)})
        assert ok.status_code == 303 and len(ctx.store.reminders.deadlines()) == 1


def test_session_cookie_attributes_and_headers(ctx):
    token, _ = ask_link(ctx, operator("后台"))
    with serving(ctx) as base:
        response = httpx.post(f"{base}/login", data={"token": token}, timeout=30,
                              headers={"X-Forwarded-Proto": "https"})  # not trusted unless configured
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie and "max-age=28800" in cookie
        page = httpx.get(f"{base}/", cookies=response.cookies, timeout=30)
        assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no script at all
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    behind_proxy = dataclasses.replace(ctx, settings=dataclasses.replace(
        ctx.settings, env={**ctx.settings.env, "TUANWU_WEB_TRUST_PROXY": "1"}))
    token, _ = ask_link(behind_proxy, operator("后台"))
    with serving(behind_proxy) as base:
        response = httpx.post(f"{base}/login", data={"token": token}, timeout=30,
                              headers={"X-Forwarded-Proto": "https"})
        assert "secure" in response.headers["set-cookie"].lower()
    public = dataclasses.replace(ctx, settings=dataclasses.replace(
        ctx.settings, env={**ctx.settings.env, "TUANWU_WEB_URL": "https://tuanwei.example.cn"}))
    token, replies = ask_link(public, operator("后台"))
    assert "https://tuanwei.example.cn/login?token=" in replies[0].text
    with serving(public) as base:
        response = httpx.post(f"{base}/login", data={"token": token}, timeout=30)
        assert "secure" in response.headers["set-cookie"].lower()


def test_secret_from_the_environment_or_kept_in_the_database(ctx):
    """Unset: generated once and kept in the database, so a link issued by one process (chat) is good in
    another (the web) and after a restart. Set: it alone signs, so the database's links no longer do."""
    token, _ = ask_link(ctx, operator("后台"))
    restarted = dataclasses.replace(ctx, store=type(ctx.store)(ctx.store.path))
    from handlers.dashboard import signin

    assert signin.check_link(restarted, token).status == "ok"
    configured = dataclasses.replace(restarted, settings=dataclasses.replace(
        ctx.settings, env={**ctx.settings.env, "TUANWU_WEB_SECRET": "s3cret-from-the-environment"}))
    assert signin.check_link(configured, token).status == "forged"
    other, _ = ask_link(configured, operator("后台"))
    assert signin.check_link(configured, other).status == "ok"


def test_the_access_log_never_holds_the_token(ctx, caplog):
    """`bot.py web` logs each request's path, never its query string (where the token travels)."""
    from handlers.adapters.web.run import PathOnlyLog

    token, _ = ask_link(ctx, operator("后台"))
    request = type("Request", (), {"remote": "127.0.0.1", "method": "GET", "path": "/login",
                                   "query_string": f"token={token}", "path_qs": f"/login?token={token}"})()
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        PathOnlyLog(logging.getLogger("aiohttp.access"), "").log(
            request, type("Response", (), {"status": 200, "body_length": 10})(), 0.01)
    assert '"GET /login" 200' in caplog.text and token not in caplog.text


@pytest.mark.parametrize("path", ["/", "/deadlines", "/notices", "/unanswered", "/faq", "/files", "/audit"])
def test_every_page_needs_a_session(ctx, path):
    with serving(ctx) as base:
        response = httpx.get(f"{base}{path}", cookies={"tuanwu_session": "made-up"}, timeout=30)
        assert response.status_code == 401 and "发送“后台”" in response.text


def test_one_process_serves_the_pages_and_the_wechat_webhook(ctx):
    """`bot.py web --wechat`: a WeChat admin sends 后台 to the official account and signs in on the same port."""
    from wechat_fakes import FakeWeChat, fields

    env = {**ctx.settings.env, "WECHAT_TOKEN": "webtoken", "TUANWU_ADMINS": "wechat:oAdmin"}
    both = dataclasses.replace(ctx, settings=dataclasses.replace(ctx.settings, env=env, admins=("wechat:oAdmin",)))
    with serving(both, ("wechat",)) as base:
        wechat = FakeWeChat(f"{base}/wechat", both.clock, "webtoken")
        query, echo = wechat.handshake_query()
        assert httpx.get(f"{base}/wechat", params=query, timeout=30).text == echo
        query, body = wechat.request(wechat.text("oAdmin", "后台"))
        answer = fields(httpx.post(f"{base}/wechat", params=query, content=body, timeout=30).text)["Content"]
        token = re.search(r"token=(\S+)", answer)[1]
        assert signed_in(base, token).get("/").status_code == 200
        query, body = wechat.request(wechat.text("oMember", "后台"))
        assert "token=" not in httpx.post(f"{base}/wechat", params=query, content=body, timeout=30).text
