"""城市: a member's region, so answers lead with the rules of their own city."""
from __future__ import annotations

from handlers.router import command
from handlers.types import Choice, Context, Incoming, Reply
from knowledge import lexicon

CLEAR = ("清除", "不设置", "无", "none", "clear")


@command("城市", "city", extra=("地区", "region"))
def city(ctx: Context, msg: Incoming, args: str) -> Reply:
    """设置我所在的地区（答案会先给出本地的规定），例如：城市 枣庄；不带参数则查看并选择。"""
    regions = ctx.kb.regions
    now = ctx.now().isoformat(timespec="seconds")
    wanted = args.strip().removesuffix("市")
    if not wanted:
        current = ctx.store.region_of_user(msg.platform, msg.user_id)
        head = f"您当前的地区：{current}。" if current else "您还没有设置地区。"
        return Reply(f"{head}请选择所在地区（文件库现有：{'、'.join(regions)}）：",
                     choices=tuple(Choice(r, f"city {r}") for r in regions))
    if wanted.lower() in CLEAR:
        ctx.store.set_region(msg.platform, msg.user_id, None, now)
        return Reply("已清除地区设置。回答时会列出各地的规定。")
    match = next((r for r in regions if wanted == r or wanted in r or r in wanted), None)
    if match:
        ctx.store.set_region(msg.platform, msg.user_id, match, now)
        return Reply(f"好的，已将您的地区设为：{match}。之后的回答会先给出{match}的规定。")
    if wanted in lexicon.places():
        ctx.store.set_region(msg.platform, msg.user_id, wanted, now)
        return Reply(f"已将您的地区设为：{wanted}。文件库里暂时没有{wanted}的文件，回答时会列出现有各地"
                     f"（{'、'.join(regions)}）的规定。")
    return Reply(f"没有找到地区“{args.strip()[:20]}”。可选：{'、'.join(regions)}（或回复“城市 清除”）。",
                 choices=tuple(Choice(r, f"city {r}") for r in regions))
