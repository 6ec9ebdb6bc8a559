"""The console's two HTML pages. Every value goes through `html.escape`; customer text is
never part of a page (console.js fetches it as JSON and shows it with textContent)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from bot.services.views import AgentView

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
DISPOSITIONS = (("solved", "Solved"), ("not_solved", "Not solved"), ("spam", "Spam"))


def _head(title: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="console.css"></head>'
    )


def login_page(csrf: str, error: str | None = None) -> str:
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        _head("Agent console: log in")
        + '<body class="login"><main><h1>Agent console</h1>'
        + problem
        + '<form method="post" action="login">'
        + f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        + '<label>Username <input name="username" autocomplete="username" required></label>'
        + '<label>Password <input name="password" type="password" '
        + 'autocomplete="current-password" required></label>'
        + '<button type="submit">Log in</button></form></main></body></html>'
    )


def _options(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in pairs)


def _role_links(role: str) -> str:
    links = []
    if role in ("trainer", "supervisor"):
        links.append('<a href="trainer">Review inbox</a>')
    if role == "supervisor":
        links.append('<a href="dashboard">Dashboard</a>')
        links.append('<a href="privacy">Customer data</a>')
    return f'<nav class="roles">{" ".join(links)}</nav>' if links else ""


def console_page(
    agent: AgentView, csrf: str, *, canned: Iterable[str], teams: Iterable[str]
) -> str:
    canned_options = _options((text, text) for text in canned)
    team_options = _options((team, team) for team in teams)
    return (
        _head("Agent console")
        + f'<body data-csrf="{escape(csrf)}" data-agent="{escape(agent.display_name)}">'
        + "<header><h1>Agent console</h1>"
        + '<span id="connection" aria-live="polite">connecting…</span>'
        + f'<span class="who">{escape(agent.display_name)} ({escape(agent.role)})</span>'
        + _role_links(agent.role)
        + '<form method="post" action="logout">'
        + f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        + '<button type="submit">Log out</button></form></header>'
        + '<main><section id="queue-panel"><h2>Queue</h2>'
        + '<table id="queue"><thead><tr><th>#</th><th>Priority</th><th>Waiting</th>'
        + "<th>Reason</th><th>Type</th><th>Customer</th><th>State</th><th></th></tr></thead>"
        + "<tbody></tbody></table></section>"
        + '<section id="conversation" hidden><h2 id="conv-title"></h2>'
        + '<p id="summary"></p><div class="columns"><div>'
        + '<ol id="transcript" aria-live="polite" aria-label="Transcript"></ol>'
        + '<form id="reply-form"><select id="canned" aria-label="Canned response">'
        + '<option value="">Canned responses…</option>'
        + canned_options
        + '</select><textarea id="reply" maxlength="2000" rows="3"'
        + ' aria-label="Reply to the customer"></textarea>'
        + '<button type="submit">Send</button></form>'
        + '<div class="actions"><button id="claim">Claim</button>'
        + f'<select id="team" aria-label="Team">{team_options}</select>'
        + '<button id="transfer">Transfer</button>'
        + f'<select id="disposition" aria-label="Disposition">{_options(DISPOSITIONS)}</select>'
        + '<button id="resolve">Resolve</button><button id="handback">Hand back to bot</button>'
        + '</div><p id="status" role="status"></p></div>'
        + '<aside><h3>Why it escalated</h3><ul id="why"></ul>'
        + '<h3>Intents</h3><ul id="intents"></ul><h3>Slots</h3><dl id="slots"></dl>'
        + '<h3>Customer</h3><dl id="customer"></dl><h3>Recent orders</h3><ul id="orders"></ul>'
        + '<h3>What the bot tried</h3><ul id="tried"></ul>'
        + '<h3>Private notes</h3><ul id="notes"></ul><form id="note-form">'
        + '<textarea id="note" maxlength="4000" rows="2" aria-label="Private note"></textarea>'
        + '<button type="submit">Add note</button></form></aside></div></section></main>'
        + '<script src="console.js"></script></body></html>'
    )


def trainer_forbidden() -> str:
    return (
        _head("Trainer: not allowed")
        + '<body class="login"><main><h1>Trainer</h1><p class="error" role="alert">'
        + "This page is for trainers and supervisors.</p>"
        + '<p><a href="./">Back to the console</a></p></main></body></html>'
    )


def trainer_page(agent: AgentView, csrf: str) -> str:
    """The review inbox and retraining; trainer.js fills it from the JSON API."""
    return (
        _head("Trainer: review inbox")
        + f'<body data-csrf="{escape(csrf)}" class="trainer">'
        + "<header><h1>Review inbox</h1>"
        + f'<span class="who">{escape(agent.display_name)} ({escape(agent.role)})</span>'
        + '<a href="./">Agent console</a></header><main>'
        + '<section id="inbox-panel" aria-labelledby="inbox-title">'
        + '<h2 id="inbox-title">What the bot got wrong or was unsure of</h2>'
        + '<p id="inbox-empty" hidden>Nothing to review.</p>'
        + '<ol id="groups"></ol></section>'
        + '<aside><section aria-labelledby="train-title"><h2 id="train-title">Retrain</h2>'
        + '<p id="pending" role="status"></p>'
        + '<button id="train" type="button">Retrain with the new labels</button>'
        + '<p id="training-status" role="status" aria-live="polite"></p>'
        + '<table id="runs"><thead><tr><th>When</th><th>By</th><th>Outcome</th>'
        + "<th>Labels</th><th>Why</th></tr></thead><tbody></tbody></table></section>"
        + '<section aria-labelledby="quality-title"><h2 id="quality-title">Data quality</h2>'
        + '<ul id="quality"></ul></section></aside></main>'
        + '<datalist id="intent-names"></datalist>'
        + '<script src="trainer.js"></script></body></html>'
    )
