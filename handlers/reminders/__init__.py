"""Reminders: deadlines (截止) and their alerts, the plans' time points, subscriptions and notices
(订阅 / 退订 / 通知), the daily check-in nudge, and the workday calendar (工作日) they all follow.

    deadlines.py   截止: add, change, delete, adopt (the command)
    listing.py     what 截止 shows: the asker's region first, past plan points folded
    alerts.py      when each deadline alert fires, planning the due ones, their text; plan-point sync
    broadcasts.py  订阅 / 退订 / 通知 and the delivery report
    nudges.py      the 17:00 nudge to members without a check-in, then the group's digest
    workdays.py    工作日: overrides → chinese_calendar → Monday–Friday

Importing the package registers the commands with the router and the occurrence kinds and planners
with the scheduler (core/scheduler.py).
"""
# In this order: commands are listed by 帮助 and the menus in the order they register.
from handlers.reminders import deadlines, broadcasts, workdays, nudges, alerts  # noqa: F401,I001  (registration)
