"""The web dashboard's core: everything its pages read from or do to the app, platform-neutral.

This package is the one place the web adapter (handlers/adapters/web/) calls into handlers/, knowledge/
and db/ — so the pages show what chat shows (the same 打卡率 as 今日/周报, the same 截止 listing, the same
broadcast and FAQ verbs, the same ingest), and a rename elsewhere is followed here only.

    viewer.py     who is signed in and which orgs they see; a form becomes a chat command (`act`)
    signin.py     后台: one-time signed links, sessions, the signing secret
    progress.py   总览 and 单位 (rates, streaks, the export)
    deadlines.py  截止: deadlines, plan time points, subscriptions, alert history; add / edit / delete / adopt
    notices.py    通知: broadcast history with delivery reports; send
    curation.py   未答 and 常见问题 (adopt, add / edit / delete, YAML export / import)
    files.py      文件: the ingested plans; upload → ingest with progress
    audit.py      the admins' actions on the pages
"""
