"""The dashboard end to end in a real headless Chromium (Debian's `chromium`, driven by Playwright):
`python bot.py web` runs as its own process on a copy of the plans' database, chat runs here on the
same file — as a chat process and the web process share one database in use.

Sign in through the link `后台` gives in chat, see a seeded org's rate, add a deadline and find it in
chat's `截止`, adopt an unanswered question and get it answered in chat, upload a plan and ask about
it; what members type never runs as script. Every page is screenshotted into tests/artifacts/web/
(git-ignored). Without Chromium these tests fail, naming the package to install; they never skip.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from db import Store
from handlers.checkin.rates import percent_text
from handlers.core.router import dispatch
from handlers.core.types import CONSOLE_OPERATOR, GROUP, Context, Incoming, Settings
from knowledge.base import KnowledgeBase
from web_harness import free_port, link_from

pytestmark = pytest.mark.slow  # starts processes or scores whole question sets: -m 'not slow' skips it

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "tests" / "artifacts" / "web"
PHONE = {"width": 390, "height": 844}  # what WeChat's in-app browser gives on a common phone
ATTACK = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
PLAN = """共青团南湖市委员会
南湖共青团2026年工作要点
一、强化思想引领
1．开展“南湖青年夜校”学习
全年举办南湖青年夜校不少于24期，每期学员不少于60人，由市青联具体承办。
2．深化网上共青团建设
各级团组织新媒体账号年内实现全覆盖。
共青团南湖市委员会
2026年2月1日
"""


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: install Debian's package `chromium` "
                    "(apt-get install chromium; .ci/run does this on CI)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: .venv/bin/pip install -e '.[test]'")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, indexed_db, embedder):
    """`bot.py web` on a free port over a copy of the plans' database; chat (a Context here) on the same file."""
    folder = tmp_path_factory.mktemp("web-e2e")
    db = folder / "tuanwu.db"
    shutil.copy(indexed_db, db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TUANWU_WEB_URL": base, "TUANWU_DATA_DIR": str(folder), "TUANWU_DB": str(db),
           "PYTHONUNBUFFERED": "1"}
    env.pop("TUANWU_WEB_SECRET", None)
    log = open(folder / "server.log", "w")
    server = subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "web", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    SERVER.update(process=server, log=folder / "server.log")
    try:
        _wait_for(base, server, folder / "server.log")
        store = Store(db)
        settings = Settings.from_env({"TUANWU_WEB_URL": base, "TUANWU_DATA_DIR": str(folder), "TUANWU_DB": str(db)})
        ctx = Context(store=store, kb=KnowledgeBase(store, str(folder), embedder), settings=settings)
        yield base, ctx
        store.close()
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


SERVER: dict = {}  # the `bot.py web` process this module started, and its log


def _server_state(ctx: Context, upload_id: int) -> str:
    """What to show when the server did not finish in time: the upload's row, and every thread's stack in
    the server (it dumps them on SIGUSR1, bot.py) at the end of its log."""
    server, log = SERVER["process"], SERVER["log"]
    if server.poll() is None:
        server.send_signal(signal.SIGUSR1)
        time.sleep(2)
    return f"upload row: {ctx.store.web.upload(upload_id)}\nserver log (end):\n{log.read_text()[-12000:]}"


def _wait_for(base: str, server: subprocess.Popen, log: Path) -> None:
    give_up = time.monotonic() + 120
    while time.monotonic() < give_up:
        if server.poll() is not None:
            pytest.fail(f"bot.py web exited ({server.returncode}):\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"{base}/app.css", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"bot.py web did not answer within 120 s:\n{log.read_text()}")


def say(ctx: Context, text: str, user: str = CONSOLE_OPERATOR, **kw) -> list:
    return dispatch(ctx, Incoming(platform=kw.pop("platform", "console"), user_id=user, text=text, **kw))


def in_group(ctx: Context, text: str, user: str, admin: bool = False, addressed: bool = True) -> list:
    return say(ctx, text, user=user, platform="telegram", chat_id="-1001", chat_type=GROUP, chat_title="城东街道团工委",
               user_name=f"团员{user}", chat_admin=admin, addressed=addressed)


@pytest.fixture(scope="module")
def signed_in(browser, site):
    """A phone-sized browser page signed in through the link chat's `后台` gave the console operator."""
    base, ctx = site
    now = ctx.now()
    for back in range(6, -1, -1):  # a seeded org over the last week, as chat recorded it day by day
        day = dataclasses.replace(ctx, clock=lambda back=back: now - dt.timedelta(days=back))
        if back == 6:
            for user in ("101", "102", "103"):
                in_group(day, "大家好", user, addressed=False)  # chatter: speaking in the group enrols them
        in_group(day, f"打卡 组织青年大学习第{20 - back}期学习，参与率92%", "101")  # every day
        if back % 2 == 0:
            in_group(day, "打卡 开展志愿服务活动，参与30人", "102")  # every other day; 103 never
    in_group(ctx, f"打卡 {ATTACK}", "102")  # what a member typed, script and all
    token = link_from(say(ctx, "后台"))
    assert token, "后台 gave the console operator no link"
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/login?token={token}")
    shot(page, "01-login")
    page.click("text=进入后台")
    page.wait_for_url(f"{base}/")
    yield page, base, ctx, token
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_signed_in_through_the_link_sees_the_orgs_rate_as_chat_gives_it(signed_in):
    page, base, ctx, token = signed_in
    week = in_group(ctx, "周报", "100", admin=True)[0].data
    today = in_group(ctx, "今日", "100", admin=True)[0].data
    row = page.locator("tr", has_text="城东街道团工委").inner_text()
    assert percent_text(week["rate"]) in row
    assert week["expected"] == 0 or f"{week['done']}/{week['expected']}" in row  # 0: a week of holidays
    shot(page, "02-overview")
    page.locator("tr", has_text="城东街道团工委").locator("a").click()
    page.wait_for_url(re.compile(r"/org/\d+$"))
    assert percent_text(today["rate"]) in page.locator(".grid").inner_text()
    day = page.inner_text("main")
    assert f"已打卡 {today.get('checked', 0)} 人" in day and f"未打卡 {today.get('missing', 0)} 人" in day
    shot(page, "03-org")
    used = page.context.new_page()
    used.goto(f"{base}/login?token={token}")  # the link is spent
    assert "链接已使用" in used.inner_text("h1")
    shot(used, "10-link-used")
    used.close()


def test_member_text_is_shown_never_run(signed_in):
    page, base, ctx, _ = signed_in
    say(ctx, f"{ATTACK}团员证怎么补办？", user="m9")  # a question the assistant logs as unanswered
    org = next(o["id"] for o in ctx.store.orgs.all() if o["name"] == "城东街道团工委")
    for path in (f"/org/{org}", "/unanswered"):
        page.goto(f"{base}{path}")
        assert "<script>window.__xss = 1</script>" in page.inner_text("main"), path
        assert page.evaluate("window.__xss") is None, path
        assert page.locator("img[src='x']").count() == 0, path
    assert page.dialogs == []


def test_a_deadline_added_on_the_page_is_in_chats_list(signed_in):
    page, base, ctx, _ = signed_in
    page.goto(f"{base}/deadlines")
    page.fill("#d-date", "2030-12-31")
    page.fill("#d-title", "报送年度团费收缴情况")
    page.click("form:has(#d-title) button[type=submit]")
    page.wait_for_load_state()
    assert "已添加截止事项" in page.inner_text(".flash")
    assert "报送年度团费收缴情况" in page.locator("section", has=page.locator("h2", has_text="即将到期")).inner_text()
    shot(page, "04-deadlines")
    listing = say(ctx, "截止", user="m1")[0].text
    assert "报送年度团费收缴情况" in listing and "2030年12月31日" in listing


def test_an_unanswered_question_adopted_on_the_page_is_answered_in_chat(signed_in):
    page, base, ctx, _ = signed_in
    question = "入团申请书可以手写吗？"
    assert not say(ctx, question, user="m2")[0].data.get("matched")
    page.goto(f"{base}/unanswered")
    group = page.locator("section", has=page.locator("h2", has_text=question))
    group.locator("textarea").fill("可以手写，也可以打印后本人签名，交所在团支部。")
    shot(page, "05-unanswered")
    group.locator("button").click()
    page.wait_for_load_state()
    assert "加为常见问题" in page.inner_text(".flash")
    answer = _ask_until(ctx, question, "也可以打印后本人签名")
    assert "交所在团支部" in answer
    page.goto(f"{base}/faq")
    assert question in page.inner_text("main")
    shot(page, "06-faq")


def test_a_plan_uploaded_on_the_page_can_be_asked_about(signed_in, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page, base, ctx, _ = signed_in
    plan = tmp_path / "南湖2026.txt"
    plan.write_text(PLAN, encoding="utf-8")
    page.goto(f"{base}/files")
    page.set_input_files("#u-file", str(plan))
    page.click("form:has(#u-file) button[type=submit]")
    page.wait_for_url(re.compile(r"/files/\d+$"))
    upload_id = int(page.url.rsplit("/", 1)[1])
    try:
        page.wait_for_selector("text=返回文件列表", timeout=120_000)  # the page refreshes itself until done
    except PlaywrightTimeout:
        pytest.fail(f"no 返回文件列表 on the upload page after 120 s; it showed {page.url}:\n"
                    f"{page.inner_text('body')[:1500]}\n{_server_state(ctx, upload_id)}")
    assert "已索引《南湖共青团2026年工作要点》" in page.inner_text("#result")
    shot(page, "07-upload")
    page.goto(f"{base}/files")
    assert "南湖共青团2026年工作要点" in page.inner_text("main")
    shot(page, "08-files")
    answer = _ask_until(ctx, "南湖青年夜校全年要举办多少期？", "24期")
    assert "南湖共青团2026年工作要点" in answer


def test_a_notice_and_the_audit_on_the_page(signed_in):
    page, base, ctx, _ = signed_in
    in_group(ctx, "订阅", "100", admin=True)
    page.goto(f"{base}/notices")
    page.fill("#n-text", "本周五下午三点召开团干部例会")
    page.click("form:has(#n-text) button[type=submit]")
    page.wait_for_load_state()
    assert "通知已排队" in page.inner_text(".flash") and "1 个订阅的群" in page.inner_text(".flash")
    assert "本周五下午三点召开团干部例会" in page.inner_text("main")
    shot(page, "09-notices")
    page.goto(f"{base}/audit")
    text = page.inner_text("main")
    assert "登录" in text and "添加截止事项" in text and "采纳未答问题" in text and "发送通知" in text
    shot(page, "11-audit")


def _ask_until(ctx: Context, question: str, expected: str, wait: float = 20.0) -> str:
    """Chat's answer once it holds `expected` (a chat process notices another's FAQ edit or ingest
    within seconds: knowledge/base.py REFRESH_EVERY)."""
    give_up = time.monotonic() + wait
    while True:
        text = say(ctx, question, user="m3")[0].text
        if expected in text or time.monotonic() > give_up:
            assert expected in text, text
            return text
        time.sleep(0.5)
