"""What the repositories hand out and take in, backend-neutral: rows as TypedDicts (a row is the dict the
database returned, so no copy is made and `row["due_date"]` is checked by an editor), the values a
feature builds for the store as frozen dataclasses, and the statuses as Literal types.

Instants are UTC ISO text (db/connection.py `utc`), local days ISO dates, ids integers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict

# ------------------------------------------------------------------ statuses

Role = Literal["member", "admin"]  # a stored role; a group's admins come from the platform, not the store
DayStatus = Literal["checked", "excused", "missing"]  # a member on one day (the nudge, the digest)
OccurrenceState = Literal["planned", "expanded", "expired", "skipped", "done"]
# pending → sending (claimed with a lease) → sent | uncertain | failed | dead; skipped when no longer wanted
DeliveryState = Literal["pending", "sending", "sent", "uncertain", "failed", "dead", "skipped"]
FINAL_STATES: tuple[DeliveryState, ...] = ("sent", "uncertain", "failed", "dead", "skipped")
RevisionKind = Literal["create", "late", "edit", "delete", "update"]
FaqKind = Literal["generated", "curated"]
BuildStatus = Literal["running", "done", "failed"]

# ------------------------------------------------------------------ people and chats


class Identity(TypedDict):
    id: int
    platform: str
    platform_user_id: str
    name: str | None
    region: str | None
    role: Role
    handle: str | None
    created_at: str
    updated_at: str


class Chat(TypedDict):
    id: int
    platform: str
    platform_chat_id: str
    chat_type: str
    title: str | None
    region: str | None
    created_at: str


class GrantedAdmin(TypedDict):
    platform: str
    platform_user_id: str
    name: str | None
    granted_at: str | None
    granted_by: str | None


class AdminAuditRow(TypedDict):
    id: int
    at: str
    action: Literal["grant", "revoke"]
    actor: str
    actor_name: str
    target: str
    target_name: str


# ------------------------------------------------------------------ organisations and check-ins


class Org(TypedDict):
    id: int
    name: str
    platform: str | None
    platform_chat_id: str | None  # None for a named org (单位 in private)
    region: str | None
    timezone: str
    backfill_days: int | None  # None: the default window


class OrgMember(TypedDict):
    identity_id: int
    platform: str
    platform_user_id: str
    name: str | None


class CheckinEntry(TypedDict, total=False):
    """One entry of one local day (the day's `seq`-th); with the member's name when read for an org."""

    id: int
    identity_id: int
    org_id: int | None
    schedule: str
    work_date: str
    seq: int
    late: int  # 1: recorded on a later day (补)
    text: str
    percent: float | None
    count: int | None
    item_id: int | None
    item_label: str | None
    item_region: str | None
    category: str | None
    revision: int
    created_at: str
    updated_at: str
    deleted_at: str | None
    member_name: str | None
    member_platform: str
    member_user_id: str
    versions: list["Revision"]  # day_history only


class Revision(TypedDict):
    id: int
    checkin_id: int
    revision: int
    kind: RevisionKind
    text: str
    percent: float | None
    count: int | None
    item_id: int | None
    item_label: str | None
    item_region: str | None
    category: str | None
    changed_at: str


class WorkdayOverride(TypedDict):
    date: str
    workday: int
    note: str | None
    set_by: str | None


# ------------------------------------------------------------------ deadlines and subscriptions


class Deadline(TypedDict):
    id: int
    title: str
    due_at: str
    due_date: str
    due_time: str | None
    due_text: str | None  # the plan's own words, for one adopted with the document's date
    leads: str | None  # "7,3,1,0"
    alert_time: str | None  # "09:00"
    region: str | None
    source: Literal["admin", "plan"]
    plan_point: int | None  # the plan point it was adopted from
    doc_key: str | None
    doc_title: str | None
    doc_year: int | None
    section: str | None
    excerpt: str | None
    created_by: str | None
    created_at: str
    updated_at: str
    deleted_at: str | None
    next_alert_at: str | None
    owner_chat: str | None  # "platform:chat_id" of the group that owns it; None: everyone's


class PlanPoint(TypedDict):
    id: int  # shown as 文{id}
    source_key: str
    title: str
    due_at: str
    due_date: str
    due_time: str | None
    due_text: str | None
    region: str | None
    doc_key: str
    doc_title: str
    doc_year: int | None
    section: str | None
    excerpt: str | None
    found_at: str
    deleted_at: str | None


class Subscriber(TypedDict):
    id: int
    region: str | None  # None: every region
    platform: str
    chat_id: str
    chat_type: str
    title: str | None


# ------------------------------------------------------------------ the scheduler


class Occurrence(TypedDict):
    id: int
    kind: str
    subject: str
    occurrence_key: str
    fire_at: str
    expires_at: str | None
    payload: dict[str, Any]
    state: OccurrenceState
    created_at: str
    expanded_at: str | None
    detail: str | None


class OutboxRow(TypedDict):
    """One delivery as queued: what to send where, and how sending it went."""

    id: int
    dedupe_key: str
    occurrence_id: int | None
    kind: str
    platform: str
    chat_id: str
    chat_type: str
    subject: str | None
    text: str
    priority: int
    state: DeliveryState
    attempts: int
    next_attempt_at: str
    lease_until: str | None
    claimed_by: str | None
    attempted_at: str | None
    finished_at: str | None
    detail: str | None
    created_at: str


@dataclass(frozen=True)
class Delivery:
    """One message to queue for one chat. The dedupe key makes queueing it twice a no-op (its form:
    "<what>|<platform>:<chat_id>")."""

    dedupe_key: str
    platform: str
    chat_id: str
    text: str
    kind: str = ""
    chat_type: str = "private"
    subject: str | None = None  # what a send-time check reads (a nudge's member), or a chat's name
    priority: int = 5


@dataclass(frozen=True)
class ToSubscribers:
    """One text to every subscribed chat (of `region`, plus the chats that take every region), queued by
    one INSERT … SELECT: a day's 31,000 deadline alerts need no Python row, no bound value per chat."""

    key: str  # the dedupe key's prefix; "|platform:chat_id" follows, as in a Delivery
    kind: str
    text: str
    region: str | None = None
    priority: int = 5
    title_as_subject: bool = False  # the chat's title is the delivery's subject (a broadcast report names chats)


# ------------------------------------------------------------------ the FAQ and the misses


class FaqEntry(TypedDict, total=False):
    id: int
    kind: FaqKind
    question: str
    answer: str | None
    section: str
    source_key: str
    listed: int  # 1: shown in the browse list
    created_at: str
    updated_at: str
    phrasings: list[str]  # entry() only
    sources: list[dict]  # entry() only: region, doc_key, passage_id by position


class FaqBuild(TypedDict):
    id: int
    version: str
    status: BuildStatus
    started_at: str
    finished_at: str | None
    pid: int
    detail: str | None


class MissGroupRow(TypedDict, total=False):
    id: int
    question: str  # its most frequent wording
    count: int
    last_at: str | None
    regions: str  # "东莞、枣庄"
    wordings: dict[str, int]  # groups() only


# ------------------------------------------------------------------ what a chat is still owed


class PendingPage(TypedDict):
    more: str
    choices: list[tuple[str, str]]  # (label, command)
