"""The conversation core, platform-neutral and feature-free: what every feature and adapter builds on.

    types.py         Incoming, Reply, Choice, Attachment, Settings, Context, SendResult, Sender
    router.py        the command registry and dispatch (the one error guard)
    arguments.py     what a command's arguments look like (so 打卡组织… counts without a space)
    near_miss.py     "您是不是想用“打卡”？" for a command word nearly typed
    echo.py          echoing what was typed, cut between words
    regions.py       one rule for the regions people name (城市, 订阅, 通知【…】, 截止 … 地区 …)
    scheduler.py     the tick: plan occurrences → expand into deliveries → send → follow up → housekeeping
    sending.py       draining one platform's outbox under its rate limits
    ratelimit.py     rolling-window limits, and the one table of the platforms' limits
    log_redaction.py secrets never reach a log
"""
