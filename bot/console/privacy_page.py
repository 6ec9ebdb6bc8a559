"""The supervisors' "Customer data" page: the shell privacy.js fills from the JSON API.

Server-rendered like the console's other pages, with no customer data in it: the lookup's
answer arrives as JSON and goes into the page with textContent. Every value here goes
through `html.escape`; no inline script or style (the console's CSP forbids both).
"""

from __future__ import annotations

from html import escape

from bot.services.views import AgentView


def privacy_page(agent: AgentView, csrf: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Customer data</title>"
        '<link rel="stylesheet" href="console.css"><link rel="stylesheet" href="dashboard.css">'
        f'</head><body class="privacy" data-csrf="{escape(csrf)}">'
        + _header(agent, csrf)
        + "<main>"
        + _lookup()
        + _customer()
        + _retention()
        + '</main><script src="privacy.js"></script></body></html>'
    )


def _header(agent: AgentView, csrf: str) -> str:
    return (
        '<header><h1>Customer data</h1><nav><a href="./">Queue</a> '
        '<a href="dashboard">Dashboard</a> <a href="trainer">Review inbox</a></nav>'
        f'<span class="who">{escape(agent.display_name)} ({escape(agent.role)})</span>'
        '<form method="post" action="logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        '<button type="submit">Log out</button></form></header>'
    )


def _lookup() -> str:
    return (
        '<section aria-labelledby="lookup-title"><h2 id="lookup-title">Find a customer</h2>'
        '<form id="lookup-form" class="range">'
        '<label>Customer id or email <input id="lookup-query" name="q" maxlength="254"'
        ' autocomplete="off" required></label>'
        '<button type="submit">Look up</button></form>'
        '<p id="lookup-status" role="status" aria-live="polite"></p></section>'
    )


def _customer() -> str:
    return (
        '<section id="customer-panel" aria-labelledby="customer-title" hidden>'
        '<h2 id="customer-title"></h2><dl id="profile"></dl>'
        '<table id="counts" class="kpis"><caption>What the product holds</caption>'
        "<thead><tr><th scope=col>Where</th><th scope=col>Rows</th></tr></thead>"
        "<tbody></tbody></table>"
        '<div class="actions"><button id="export" type="button">Export (zip)</button></div>'
        '<form id="erase-form"><h3>Erase</h3>'
        "<p>Erasure removes or anonymises this customer everywhere and cannot be undone. "
        "Type the customer id to confirm.</p>"
        '<label>Customer id <input id="erase-confirm" autocomplete="off" required></label> '
        '<button id="erase" type="submit" disabled>Erase this customer</button></form>'
        '<p id="action-status" role="status" aria-live="polite"></p>'
        '<pre id="receipt" hidden></pre></section>'
    )


def _retention() -> str:
    return (
        '<section aria-labelledby="retention-title"><h2 id="retention-title">'
        "Recent retention runs</h2>"
        '<table id="retention-runs" class="kpis"><thead><tr><th scope=col>Ran (UTC)</th>'
        "<th scope=col>As of</th><th scope=col>Outcome</th><th scope=col>Removed</th>"
        "</tr></thead><tbody></tbody></table>"
        '<p id="retention-empty" hidden>No retention run yet.</p></section>'
    )
