"""The supervisors' privacy actions in the console: find a customer, export, erase, and the
retention job's recent runs.

Supervisors only: another role gets 403 `role_not_allowed` (the page: an HTML 403), no
session 401 (the page: a redirect to the login). Export and erasure are changes as far as
the guard goes (`write=True`: the CSRF header), and an erasure also needs the customer id
typed back in the body (`{"confirm": "C0042"}`), else 400 `confirmation_required`.

Each lookup, export and erasure leaves a row in the access trail (bot/services/access_log.py:
who, which customer by store number, from which address), written before the answer goes
out. The trail holds ids, never what was shown or exported. Store and file work runs on a
worker thread (bot.blocking.in_thread).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.blocking import in_thread
from bot.console import customer_lookup as lookup
from bot.console.guard import SUPERVISOR_ROLES, error
from bot.console.host import ConsoleHost
from bot.console.http import Refusal, StaffCall, json_reply, mount, require_agent, static_file
from bot.console.pages import SECURITY_HEADERS
from bot.console.privacy_page import privacy_page
from bot.customer_data.footprint import find_customer
from bot.customer_data.locations import DataLocations
from bot.services.access_log import record_access

STATIC = Path(__file__).resolve().parent / "static" / "privacy.js"
DOWNLOAD_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MAX_RUNS = 20


def add_privacy_routes(bp: Blueprint, host: ConsoleHost) -> None:
    api = PrivacyApi(host)
    customer = "/api/privacy/customers/<public_id:str>"
    mount(
        bp,
        [
            (api.page, "/privacy", "GET", "privacy_page"),
            (api.script, "/privacy.js", "GET", "privacy_js"),
            (api.lookup, "/api/privacy/customer", "GET", "privacy_lookup"),
            (api.export, customer + "/export", "POST", "privacy_export"),
            (api.erase, customer + "/erase", "POST", "privacy_erase"),
            (api.retention_runs, "/api/privacy/retention-runs", "GET", "privacy_runs"),
        ],
    )


def _forbidden_page() -> HTTPResponse:
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not allowed</title>'
        '<link rel="stylesheet" href="console.css"></head><body class="login"><main>'
        '<h1>Customer data</h1><p class="error" role="alert">This page is for supervisors.</p>'
        '<p><a href="./">Back to the console</a></p></main></body></html>'
    )
    return response.html(body, status=403, headers=SECURITY_HEADERS)


PAGE_REFUSAL = Refusal(
    lambda: response.redirect("./", status=303, headers={"Cache-Control": "no-store"}),
    _forbidden_page,
)


class PrivacyApi:
    def __init__(self, host: ConsoleHost) -> None:
        self.host = host
        self._locations: DataLocations | None = None

    @require_agent(SUPERVISOR_ROLES, refusal=PAGE_REFUSAL)
    async def page(self, call: StaffCall) -> HTTPResponse:
        return response.html(privacy_page(call.agent, call.csrf), headers=SECURITY_HEADERS)

    async def script(self, _: Request) -> HTTPResponse:
        return await static_file(STATIC, "application/javascript")

    @require_agent(SUPERVISOR_ROLES)
    async def lookup(self, call: StaffCall) -> HTTPResponse:
        """`?q=` a public id (logged as `view_customer`) or an email (`search_customers`)."""
        query = call.request.args.get("q") or ""
        try:
            kind = lookup.query_kind(query)
        except lookup.BadCustomerQuery:
            return error(400, "bad_query")
        found = await in_thread(lookup.lookup, await self.locations(), query)
        action = "view_customer" if kind == "public_id" else "search_customers"
        detail = f"by={kind}" + ("" if found else " found=0")
        await self._log(call, action, found.customer.id if found else None, detail)
        if found is None:
            return error(404, "unknown_customer")
        return json_reply(found.as_json())

    @require_agent(SUPERVISOR_ROLES, write=True)
    async def export(self, call: StaffCall, public_id: str) -> HTTPResponse:
        from bot.customer_data.export import UnknownCustomer

        where = await self.locations()
        try:
            canonical = lookup.public_id_of(public_id)
            customer_id = await in_thread(_customer_id, where, canonical)
            body, name = await in_thread(_archive, where, canonical)
        except lookup.BadCustomerQuery:
            return error(400, "bad_customer_id")
        except UnknownCustomer:
            return error(404, "unknown_customer")
        await self._log(call, "export_customer", customer_id, None)
        headers = {**DOWNLOAD_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
        return response.raw(body, content_type="application/zip", headers=headers)

    @require_agent(SUPERVISOR_ROLES, write=True)
    async def erase(self, call: StaffCall, public_id: str) -> HTTPResponse:
        from bot.customer_data.erasure import erase_customer
        from bot.customer_data.export import UnknownCustomer

        where = await self.locations()
        try:
            canonical = lookup.public_id_of(public_id)
        except lookup.BadCustomerQuery:
            return error(400, "bad_customer_id")
        if not _confirmed(call.body.get("confirm"), canonical):
            return error(400, "confirmation_required")
        customer_id = await in_thread(_customer_id, where, canonical)
        actor = f"console:{call.agent.username}"
        try:
            receipt = await in_thread(erase_customer, where, public_id=canonical, actor=actor)
        except UnknownCustomer:
            return error(404, "unknown_customer")
        await self._log(call, "erase_customer", customer_id, None)
        return json_reply({"receipt": receipt.as_json()})

    @require_agent(SUPERVISOR_ROLES)
    async def retention_runs(self, call: StaffCall) -> HTTPResponse:
        from bot.customer_data.retention import recent_runs

        runs = await in_thread(recent_runs, (await self.locations()).new_uow(), limit=MAX_RUNS)
        return json_reply({"runs": [run.as_json() for run in runs]})

    async def locations(self) -> DataLocations:
        """The console's store, the tracker found from it, and the training files."""
        if self._locations is None:
            if self.host.new_uow is None:
                raise RuntimeError("the console is not started")
            self._locations = await in_thread(_locations_of, self.host.new_uow)
        return self._locations

    async def _log(
        self, call: StaffCall, action: str, customer_id: int | None, detail: str | None
    ) -> None:
        await in_thread(
            record_access,
            (await self.locations()).new_uow(),
            agent_id=call.agent.id,
            action=action,
            address=call.address,
            customer_id=customer_id,
            detail=detail,
        )


def _locations_of(new_uow: Any) -> DataLocations:
    from bot.kpis.sources import tracker_engine
    from bot.settings import get_settings

    with new_uow() as uow:
        store = uow.session.get_bind()
    data_dir = Path(get_settings().training_root) / "data"
    return DataLocations(new_uow=new_uow, tracker_engine=tracker_engine(store), data_dir=data_dir)


def _confirmed(typed: object, public_id: str) -> bool:
    return isinstance(typed, str) and typed.strip().upper() == public_id


def _customer_id(where: DataLocations, public_id: str) -> int | None:
    """The store's number for the customer, for the trail (None: not, or no longer, there)."""
    with where.new_uow() as uow:
        found = find_customer(uow, public_id=public_id)
        return found.id if found is not None else None


def _archive(where: DataLocations, public_id: str) -> tuple[bytes, str]:
    """The export's zip, written to a private temporary directory, read back, removed."""
    from bot.customer_data.export import export_customer

    archive = export_customer(where, public_id=public_id)
    with tempfile.TemporaryDirectory(prefix="cim-export-") as directory:
        path = archive.write(Path(directory))
        return path.read_bytes(), path.name
