"""The scripted console, exactly as the issue runs it: check in, then a second process still sees it."""
import subprocess
import sys

from conftest import ROOT


def console(db, text: str) -> str:
    done = subprocess.run([sys.executable, "bot.py", "console", "--as", "u1", "--db", str(db)], input=text,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_scripted_check_in_is_confirmed_with_its_item_and_survives_into_a_second_process(tmp_path):
    db = tmp_path / "X.db"
    # printf '打卡 组织青年大学习第12期学习，参与率92%%\n进度\n' | python bot.py console --as u1 --db X
    first = console(db, "打卡 组织青年大学习第12期学习，参与率92%\n进度\n")
    confirm, progress = first.split("\n\n")[:2]
    assert "已打卡" in confirm and "完成度 92%" in confirm
    link = next(line for line in confirm.splitlines() if line.startswith("关联条目"))
    assert "青年大学习" in link
    assert "✅ 组织青年大学习第12期学习，参与率92%" in progress

    second = console(db, "进度\n")
    assert "✅ 组织青年大学习第12期学习，参与率92%" in second and "青年大学习" in second


def test_check_ins_link_by_meaning_and_tags_look_in_the_members_region_first(tmp_path):
    # The words: 宁波 item 9 says 持续深化"河小二"助力治水行动 (issue 11); #智慧团建 from a 枣庄
    # member went to 东莞's 2017 item although 枣庄 item 13 names it (issue 12, item 13).
    out = console(tmp_path / "Y.db", "城市 宁波\n打卡 带领河小二志愿者沿河巡查，捡拾垃圾两小时\n"
                                      "城市 枣庄\n打卡 修改 #智慧团建 录入新团员信息 35人\n")
    links = [line for line in out.splitlines() if line.startswith("关联条目")]
    assert links[0].startswith("关联条目：宁波") and "9．着力深化青春建功美丽宁波专项行动" in links[0]
    assert links[1].startswith("关联条目：枣庄") and "13．提升基层团建水平" in links[1]
