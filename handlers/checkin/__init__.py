"""Daily check-ins (打卡): commands, fuzzy links to plan items, reports, the chart and the export.

Importing the package registers its commands (打卡 请假 单位 进度 今日 周报 导出) with the router;
every 打卡率 is rates.py's.
"""
from handlers.checkin import commands, org, reports  # noqa: F401  (registration)
