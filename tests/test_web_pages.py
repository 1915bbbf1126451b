"""The dashboard's pages show what chat shows and do what chat does: 今日/周报's rates, 进度's streak,
导出's workbook, 截止's list and verbs, 通知 with its delivery report, 未答 → 常见问题, YAML, uploads."""
from __future__ import annotations

import datetime as dt
import io
import re
import time

import openpyxl
import pytest

from conftest import SHANGHAI, both_backends, message, operator
from handlers.checkin.rates import percent_text
from handlers.dashboard import progress
from handlers.dashboard.viewer import viewer_of
from handlers.core.router import dispatch
from handlers.core.types import GROUP, SendResult
from scheduling import FakePlatform, tick
from web_harness import ask_link, csrf_of, serving, signed_in

backend = pytest.fixture(params=["sqlite", "postgresql"])(both_backends)


def at(clock, day, hour=9):
    clock.now = dt.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def in_group(ctx, text, user, chat="-1", title="甲团支部", admin=False, addressed=True):
    return dispatch(ctx, message(text, user=user, platform="telegram", chat_id=chat, chat_type=GROUP,
                                 chat_title=title, user_name=f"成员{user}", chat_admin=admin, addressed=addressed))


def a_week(ctx, clock):
    """Org 甲 (group -1) over Tue 17 – Mon 23 Nov 2026: a1 every day (and Saturday), a2 joins on Fri 20
    and backfills Thursday, a3 excused Wed–Thu, a4 only talks; org 乙 (group -2): b1 on Monday only."""
    for day in (17, 18, 19, 20, 22, 23):
        at(clock, day)
        in_group(ctx, "打卡 组织青年大学习第12期学习", "a1")
    at(clock, 17)
    in_group(ctx, "请假 11月18日-11月19日 外出培训", "a3")
    in_group(ctx, "打卡 开展志愿服务活动，参与30人", "a3")
    in_group(ctx, "大家好", "a4", addressed=False)  # group chatter: speaking enrols a member
    at(clock, 20)
    in_group(ctx, "打卡 在智慧团建系统录入团员信息", "a2")
    in_group(ctx, "打卡 昨天 召开团支部组织生活会", "a2")
    at(clock, 23)
    in_group(ctx, "打卡 整理台账资料", "b1", chat="-2", title="乙团支部")
    at(clock, 23, 15)


def test_overview_rates_are_chats_own_today_and_report_numbers(ctx, clock):
    a_week(ctx, clock)
    overview = progress.overview(ctx, viewer_of(ctx, "console", "console", "", []), 80)
    rows = {r.name: r for r in overview["orgs"]}
    for name, chat in (("甲团支部", "-1"), ("乙团支部", "-2")):
        today = in_group(ctx, "今日", "boss", chat=chat, title=name, admin=True)[0].data
        week = in_group(ctx, "周报", "boss", chat=chat, title=name, admin=True)[0].data
        row = rows[name]
        assert row.today == (today["done"], today["expected"], today["rate"]), name
        assert row.week == (week["done"], week["expected"], week["rate"]), name
        assert row.daily == week["daily"], name
    assert rows["甲团支部"].week[2] is not None and 0 < rows["甲团支部"].week[2] < 100
    # below the threshold first, worst first
    assert [r.name for r in overview["orgs"]] == sorted(rows, key=lambda n: rows[n].week[2])


def test_the_org_page_lists_todays_states_streaks_and_items_like_chat(ctx, clock):
    a_week(ctx, clock)
    token, _ = ask_link(ctx, operator("后台"))
    org_id = next(o["id"] for o in ctx.store.orgs.all() if o["name"] == "甲团支部")
    streak = re.search(r"连续打卡：(\d+)天", dispatch(ctx, message("进度", user="a1", platform="telegram"))[0].text)[1]
    week = in_group(ctx, "周报", "boss", admin=True)[0].data
    with serving(ctx) as base:
        client = signed_in(base, token)
        overview = client.get("/").text
        assert percent_text(week["rate"]) in overview and f'href="/org/{org_id}"' in overview
        page = client.get(f"/org/{org_id}").text
    assert "未打卡：</strong>成员a4、成员a3、成员a2" in page  # the lowest week first
    row = re.search(r"<td>成员a1</td>(.*?)</tr>", page, re.S)[1]
    assert "组织青年大学习第12期学习" in row and f"{streak}天" in row
    assert "青年大学习" in page  # the linked plan item


def test_the_export_is_chats_export(ctx, clock):
    a_week(ctx, clock)
    chat_file = in_group(ctx, "导出 11月", "boss", admin=True)[0].attachment.data
    token, _ = ask_link(ctx, operator("后台"))
    org_id = next(o["id"] for o in ctx.store.orgs.all() if o["name"] == "甲团支部")
    with serving(ctx) as base:
        response = signed_in(base, token).get(f"/org/{org_id}/export", params={"month": "2026-11"})
        assert response.status_code == 200
        assert "filename*=UTF-8''%E6%89%93%E5%8D%A1_" in response.headers["content-disposition"]
        assert signed_in(base, ask_link(ctx, operator("后台"))[0]).get(
            f"/org/{org_id}/export", params={"month": "2027-05"}).status_code == 400

    def cells(data):
        book = openpyxl.load_workbook(io.BytesIO(data))
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}

    assert cells(response.content) == cells(chat_file)


def _form(client, path, **fields):
    page = client.get(path).text
    return client.post(path, data=fields | {"csrf": csrf_of(page)})


def _flash(client, path):
    return re.search(r'<div class="flash"[^>]*>(.*?)</div>', client.get(path).text, re.S)[1]


def test_deadlines_added_on_the_page_are_chats_deadlines(ctx, clock):
    in_group(ctx, "打卡 组织青年大学习", "a1")
    token, _ = ask_link(ctx, operator("后台"))
    group_token, _ = ask_link(ctx, message("后台", user="g1", platform="telegram", chat_id="-1", chat_type=GROUP,
                                           chat_title="甲团支部", chat_admin=True))
    with serving(ctx) as base:
        admin = signed_in(base, token)
        assert _form(admin, "/deadlines", action="add", date="2026-12-31", time="17:30", title="提交年度考核材料",
                     leads="3,0", region="").status_code == 303
        assert "已添加截止事项 [1]" in _flash(admin, "/deadlines")
        page = admin.get("/deadlines").text
        assert "提交年度考核材料" in page and "[1]" in page
        chat = dispatch(ctx, message("截止", user="someone"))[0].text
        assert "[1]" in chat and "提交年度考核材料" in chat and "17:30" in chat
        leader = signed_in(base, group_token)
        _form(leader, "/deadlines", action="add", date="2026-12-20", title="报送团员统计", chat="telegram:-1")
        assert ctx.store.reminders.deadline(2)["owner_chat"] == "telegram:-1"
        _form(leader, "/deadlines", action="delete", id="1")  # not theirs: chat's own refusal
        assert "不是本群的" in _flash(leader, "/deadlines") and ctx.store.reminders.deadline(1) is not None
        _form(admin, "/deadlines", action="edit", id="1", title="提交年度述职报告")
        assert ctx.store.reminders.deadline(1)["title"] == "提交年度述职报告"
        point = ctx.store.plan_points.all()[0]["id"]
        _form(admin, "/deadlines", action="adopt", point=str(point), date="2027-03-01")
        assert "已采用文件时间节点" in _flash(admin, "/deadlines")
        assert "采用自文件" in dispatch(ctx, operator("截止"))[0].text
        audit = admin.get("/audit").text
        assert "添加截止事项" in audit and "采用文件时间节点" in audit and "登录" in audit


def test_a_notice_sent_on_the_page_goes_out_like_chats_with_its_report(ctx, clock):
    for chat, title in (("-1", "甲团支部"), ("-2", "乙团支部")):
        dispatch(ctx, message("订阅", user="g", platform="telegram", chat_id=chat, chat_type=GROUP, chat_title=title,
                              chat_admin=True))
    token, _ = ask_link(ctx, operator("后台"))
    with serving(ctx) as base:
        admin = signed_in(base, token)
        _form(admin, "/notices", action="send", text="x" * 1501)
        assert "通知太长了" in _flash(admin, "/notices")  # chat's own limit
        _form(admin, "/notices", action="send", text="本周五下午三点召开团干部例会")
        assert "2 个订阅的群" in _flash(admin, "/notices")
        telegram = FakePlatform("telegram", clock, {"-2": [SendResult("failed", detail="bot was kicked")]})
        tick(ctx, telegram, FakePlatform("console", clock))
        page = admin.get("/notices").text
    assert telegram.texts("-1") == ["📢 通知：本周五下午三点召开团干部例会"]
    assert "成功 1" in page and "失败 1" in page and "bot was kicked" in page and "乙团支部" in page


def test_unanswered_question_adopted_on_the_page_is_answered_in_chat(ctx):
    question = "团员证丢了去哪里补办？"
    for _ in range(2):
        assert not dispatch(ctx, message(question, user="m"))[0].data.get("matched")
    token, _ = ask_link(ctx, operator("后台"))
    with serving(ctx) as base:
        admin = signed_in(base, token)
        page = admin.get("/unanswered").text
        assert question in page and "2 次提问" in page
        group = re.search(r'name="group" value="(\d+)"', page)[1]
        _form(admin, "/unanswered", action="adopt", group=group, answer="向所在团支部申请，由上级团委补办。")
        assert "加为常见问题" in _flash(admin, "/unanswered")
        assert question not in admin.get("/unanswered").text
        assert "向所在团支部申请" in admin.get("/faq").text
    ctx.kb.reload_faq()
    assert "由上级团委补办" in dispatch(ctx, message(question, user="m"))[0].text


def test_faq_curation_and_yaml_on_the_page(ctx):
    token, _ = ask_link(ctx, operator("后台"))
    with serving(ctx) as base:
        admin = signed_in(base, token)
        _form(admin, "/faq", action="add", question="团费怎么交？", answer="按月交给所在团支部。")
        entry = re.search(r"已添加常见问题 #(\d+)", _flash(admin, "/faq"))[1]
        assert "按月交给所在团支部" in dispatch(ctx, message(f"问答 {entry}"))[0].text
        exported = admin.get("/faq/export")
        assert exported.status_code == 200 and "团费怎么交？" in exported.text
        bad = "- question: 第一问\n  answer: 好\n- question: 第二问\n"
        csrf = csrf_of(admin.get("/faq").text)
        admin.post("/faq/import", data={"csrf": csrf}, files={"file": ("mine.yaml", bad.encode())})
        flash = _flash(admin, "/faq")
        assert "未导入" in flash and "mine.yaml 第3行" in flash and ctx.store.faq.count("curated") == 1
        good = "- question: 第一问\n  answer: 好\n"
        admin.post("/faq/import", data={"csrf": csrf}, files={"file": ("mine.yaml", good.encode())})
        assert "新增 1 条" in _flash(admin, "/faq") and ctx.store.faq.count("curated") == 2
        _form(admin, "/faq", action="delete", id=entry)
        assert ctx.store.faq.count("curated") == 1


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


def _finished(client, path):
    for _ in range(300):
        page = client.get(path).text
        if "返回文件列表" in page:
            return page
        time.sleep(0.1)
    raise AssertionError(f"upload did not finish: {page}")


def test_uploads_are_ingested_with_progress_and_errors_named(ctx):
    token, _ = ask_link(ctx, operator("后台"))
    with serving(ctx) as base:
        admin = signed_in(base, token)
        csrf = csrf_of(admin.get("/files").text)
        refused = admin.post("/files", data={"csrf": csrf}, files={"file": ("通知.doc", b"\xd0\xcf\x11\xe0")})
        assert refused.status_code == 303 and "不支持的格式 .doc" in _flash(admin, "/files")
        broken = admin.post("/files", data={"csrf": csrf}, files={"file": ("坏文件.txt", b"\xff\xfe\x41")})
        page = _finished(admin, broken.headers["location"])
        assert "失败" in page and "坏文件.txt" in page
        good = admin.post("/files", data={"csrf": csrf}, files={"file": ("南湖2026.txt", PLAN.encode())})
        page = _finished(admin, good.headers["location"])
        assert "已索引《南湖共青团2026年工作要点》" in page and "完成" in page
        assert "南湖共青团2026年工作要点" in admin.get("/files").text
    ctx.kb.reload()
    answer = dispatch(ctx, message("南湖青年夜校全年举办多少期？"))[0]
    assert "24期" in answer.text and "南湖共青团2026年工作要点" in answer.text


@pytest.mark.parametrize("where", ["checkin", "question"])
def test_what_members_type_is_shown_as_text(ctx, where):
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    if where == "checkin":
        in_group(ctx, f"打卡 {attack}", "a1")
        path = f"/org/{ctx.store.orgs.all()[0]['id']}"
    else:
        dispatch(ctx, message(f"{attack}怎么办理？", user="m"))
        path = "/unanswered"
    token, _ = ask_link(ctx, operator("后台"))
    with serving(ctx) as base:
        page = signed_in(base, token).get(path).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x" in page and "<script>" not in page


def test_an_upload_whose_ingest_thread_dies_is_shown_failed_not_running(tmp_path, monkeypatch):
    """Whatever stops the ingest thread (here running out of memory), the progress page must stop
    saying 处理中 and ask for the file again — it would otherwise refresh for ever."""
    from db import Store
    from handlers.core.types import Context, Settings
    from handlers.dashboard import files

    plan = tmp_path / "南湖2026.txt"
    plan.write_text(PLAN, encoding="utf-8")
    with Store(tmp_path / "t.db") as store:
        ctx = Context(store=store, kb=None, settings=Settings.from_env({"TUANWU_DATA_DIR": str(tmp_path)}))
        upload_id = store.web.add_upload("console:console", plan.name, str(plan), ctx.now())

        def out_of_memory(*_):
            raise MemoryError

        monkeypatch.setattr(files, "ingest", out_of_memory)
        files._ingest_apart(ctx, upload_id, plan)
        row = store.web.upload(upload_id)
    assert row["state"] == "failed" and "南湖2026.txt" in row["message"] and "重新上传" in row["message"]
