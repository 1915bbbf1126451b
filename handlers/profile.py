"""城市: a member's region, so answers lead with the rules of their own city."""
from __future__ import annotations

from handlers.core import regions
from handlers.core.arguments import region_name
from handlers.core.router import command
from handlers.core.types import Context, Incoming, Reply

CLEAR = ("清除", "不设置", "无", "none", "clear")


@command("城市", "city", extra=("地区", "region"), glued=region_name(*CLEAR))
def city(ctx: Context, msg: Incoming, args: str) -> Reply:
    """设置我所在的地区（答案会先给出本地的规定），例如：城市 枣庄；不带参数则查看并选择。

    城市                                      查看我的地区，从文件库现有的地区中选择
    城市 枣庄                                 设为枣庄（城市枣庄、城市 枣庄市 也行）
    城市 清除                                 不设地区：回答时列出各地的规定
    """
    now = ctx.now().isoformat(timespec="seconds")
    wanted = args.strip()
    if not wanted:
        current = ctx.store.profiles.region(msg.platform, msg.user_id)
        head = f"您当前的地区：{regions.label(ctx, current)}。" if current else "您还没有设置地区。"
        return Reply(f"{head}请选择所在地区（文件库现有：{regions.listing(ctx)}）：", choices=regions.choices(ctx))
    if wanted.lower() in CLEAR:
        ctx.store.profiles.set_region(msg.platform, msg.user_id, None, now)
        return Reply("已清除地区设置。回答时会列出各地的规定。")
    found = regions.find_region(ctx, wanted)
    if found is None:
        return Reply(regions.not_found(ctx, wanted, "（或回复“城市 清除”）"), choices=regions.choices(ctx))
    ctx.store.profiles.set_region(msg.platform, msg.user_id, found.name, now)
    shown = regions.label(ctx, found.name)
    if found.documented:
        return Reply(f"好的，已将您的地区设为：{shown}。之后的回答会先给出{shown}的规定。")
    return Reply(f"已将您的地区设为：{found.name}。"
                 + found.note(f"回答将不限地区（文件库现有：{regions.listing(ctx)}）。"))
