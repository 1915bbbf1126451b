"""The web dashboard adapter (`python bot.py web`): aiohttp + Jinja2 pages over handlers/dashboard/.

    server.py   the server: sessions, CSRF, security headers, rendering, forms and uploads
    routes.py   the URLs and what each asks of the core
    run.py      `serve`: the dashboard alone, or with the WeChat / WeCom webhook in one process
    templates/  the pages (server-rendered, no script); static/app.css
"""
