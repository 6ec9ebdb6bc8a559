// @ts-check
// The supervisors' "Customer data" page: look a customer up, export their data, erase them
// (the customer id typed back to confirm), and the retention job's recent runs.
// Everything shown comes from JSON and goes into the page with textContent, never as HTML.
"use strict";

(() => {
  const csrf = document.body.dataset.csrf || "";
  /** @type {string | null} */
  let current = null;

  /** @param {string} id */
  function byId(id) {
    const node = document.getElementById(id);
    if (!node) throw new Error(`#${id} is missing`);
    return node;
  }

  /**
   * @param {string} tag
   * @param {string} [text]
   * @returns {HTMLElement}
   */
  function el(tag, text) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /**
   * @param {string} id
   * @param {string} text
   */
  function say(id, text) {
    byId(id).textContent = text;
  }

  /** @param {Response} reply */
  async function problem(reply) {
    const data = await reply.json().catch(() => ({}));
    return data.error || String(reply.status);
  }

  /**
   * @param {string} path
   * @param {object} body
   */
  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
  }

  /** @param {any} found */
  function showCustomer(found) {
    const who = found.customer;
    current = who.public_id;
    say("customer-title", `${who.public_id}: ${who.name}`);
    const profile = byId("profile");
    profile.replaceChildren();
    for (const [label, value] of [
      ["Customer id", who.public_id],
      ["Name", who.name],
      ["Email", who.email],
      ["Phone", who.phone || "—"],
      ["Tier", who.tier],
      ["Customer since", who.since],
    ]) {
      profile.append(el("dt", label), el("dd", String(value)));
    }
    const rows = byId("counts").querySelector("tbody");
    if (rows) {
      rows.replaceChildren();
      for (const [place, count] of Object.entries(found.counts)) {
        const row = el("tr");
        row.append(el("td", place), el("td", String(count)));
        rows.append(row);
      }
    }
    /** @type {HTMLInputElement} */ (byId("erase-confirm")).value = "";
    /** @type {HTMLButtonElement} */ (byId("erase")).disabled = true;
    say("action-status", "");
    byId("receipt").hidden = true;
    byId("customer-panel").hidden = false;
  }

  /** @param {SubmitEvent} event */
  async function lookUp(event) {
    event.preventDefault();
    const query = /** @type {HTMLInputElement} */ (byId("lookup-query")).value.trim();
    byId("customer-panel").hidden = true;
    current = null;
    say("lookup-status", "Looking up…");
    const reply = await fetch(`api/privacy/customer?q=${encodeURIComponent(query)}`, {
      credentials: "same-origin",
    });
    if (!reply.ok) {
      const why = await problem(reply);
      say("lookup-status", why === "unknown_customer" ? "No such customer." : `Refused: ${why}`);
      return;
    }
    say("lookup-status", "");
    showCustomer(await reply.json());
  }

  /** @param {Response} reply */
  function fileName(reply) {
    const header = reply.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : `${current}.zip`;
  }

  async function exportData() {
    if (!current) return;
    say("action-status", "Exporting…");
    const reply = await post(`api/privacy/customers/${encodeURIComponent(current)}/export`, {});
    if (!reply.ok) {
      say("action-status", `Export refused: ${await problem(reply)}`);
      return;
    }
    const url = URL.createObjectURL(await reply.blob());
    const link = /** @type {HTMLAnchorElement} */ (el("a"));
    link.href = url;
    link.download = fileName(reply);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say("action-status", `Exported ${link.download}.`);
  }

  function typedMatches() {
    const typed = /** @type {HTMLInputElement} */ (byId("erase-confirm")).value;
    return current !== null && typed.trim().toUpperCase() === current;
  }

  /** @param {SubmitEvent} event */
  async function erase(event) {
    event.preventDefault();
    if (!current || !typedMatches()) return;
    const typed = /** @type {HTMLInputElement} */ (byId("erase-confirm")).value.trim();
    say("action-status", "Erasing…");
    const reply = await post(`api/privacy/customers/${encodeURIComponent(current)}/erase`, {
      confirm: typed,
    });
    if (!reply.ok) {
      say("action-status", `Erasure refused: ${await problem(reply)}`);
      return;
    }
    const data = await reply.json();
    say("action-status", `${current} erased. The receipt:`);
    const receipt = byId("receipt");
    receipt.textContent = JSON.stringify(data.receipt, null, 2);
    receipt.hidden = false;
    /** @type {HTMLButtonElement} */ (byId("erase")).disabled = true;
  }

  /** @param {any} run (PurgeRun.as_json: when, the clock it used, per category what went) */
  function runRow(run) {
    const parts = Object.entries(run.categories || {}).map(([name, result]) => {
      const removed = Object.values(result.removed || {}).reduce((a, b) => a + Number(b), 0);
      return result.error ? `${name}: failed (${result.error})` : `${name}: ${removed}`;
    });
    const row = el("tr");
    row.append(
      el("td", String(run.started_at || "")),
      el("td", String(run.as_of || "")),
      el("td", String(run.outcome || "")),
      el("td", `${run.removed ?? 0} in all; ${parts.join(", ")}`),
    );
    return row;
  }

  async function loadRuns() {
    const reply = await fetch("api/privacy/retention-runs", { credentials: "same-origin" });
    const rows = byId("retention-runs").querySelector("tbody");
    if (!reply.ok || !rows) return;
    const runs = (await reply.json()).runs || [];
    rows.replaceChildren(...runs.map(runRow));
    byId("retention-empty").hidden = runs.length > 0;
  }

  byId("lookup-form").addEventListener("submit", (event) => void lookUp(event));
  byId("export").addEventListener("click", () => void exportData());
  byId("erase-form").addEventListener("submit", (event) => void erase(event));
  byId("erase-confirm").addEventListener("input", () => {
    /** @type {HTMLButtonElement} */ (byId("erase")).disabled = !typedMatches();
  });
  void loadRuns();
})();
