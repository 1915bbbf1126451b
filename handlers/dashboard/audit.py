"""The audit of admins' actions on the dashboard: sign-ins, exports, deadlines, notices, FAQ curation,
uploads — who, when, what, with what result. The 记录 page shows it next to chat's 管理员 记录."""
from __future__ import annotations

import datetime as dt

from handlers.core.types import Context


def record(ctx: Context, viewer, action: str, target: str = "", detail: str = "", org_id: int | None = None) -> None:
    ctx.store.web.add_audit(ctx.now(), viewer.key, viewer.name, action, target, detail, org_id)


def entries(ctx: Context, viewer, org_ids: list[int] | None, limit: int = 200) -> dict:
    """The page: the dashboard's actions (a global admin: everyone's; a group admin: their own and
    those about their orgs) and, for global admins, chat's admin grants and revocations."""
    tz = ctx.settings.tz
    rows = ctx.store.web.audit(limit) if viewer.is_global else ctx.store.web.audit(limit, viewer.key, org_ids or [])
    grants = ctx.store.profiles.admin_audit(50) if viewer.is_global else []
    return {"actions": [dict(r, local=_local(r["at"], tz)) for r in rows],
            "grants": [dict(r, local=_local(r["at"], tz), verb="授权" if r["action"] == "grant" else "撤销")
                       for r in grants]}


def _local(instant: str, tz) -> str:
    return dt.datetime.fromisoformat(instant).astimezone(tz).strftime("%Y-%m-%d %H:%M")
