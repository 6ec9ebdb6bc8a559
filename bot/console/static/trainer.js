// @ts-check
// The trainer's page: inbox groups, labels, retraining, data quality.
// Everything shown comes from JSON and goes into the page with textContent, never as HTML.
"use strict";

(() => {
  const csrf = document.body.dataset.csrf || "";
  /** @type {{name: string, type: string}[]} */
  let intents = [];
  /** @type {string[]} */
  let types = [];

  /**
   * @param {string} tag
   * @param {Record<string, string>} [attrs]
   * @param {string} [text]
   * @returns {HTMLElement}
   */
  function el(tag, attrs = {}, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** @param {string} path */
  async function get(path) {
    const reply = await fetch(path, { credentials: "same-origin" });
    if (!reply.ok) throw new Error(`${path}: ${reply.status}`);
    return reply.json();
  }

  /**
   * @param {string} path
   * @param {object} body
   */
  async function post(path, body) {
    const reply = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    const data = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new Error(data.error || String(reply.status));
    return data;
  }

  /** @param {string} text */
  function say(text) {
    const status = document.getElementById("training-status");
    if (status) status.textContent = text;
  }

  /**
   * @param {any} group
   * @param {number} index
   */
  function renderGroup(group, index) {
    const li = el("li", { class: "group", "data-count": String(group.count) });
    const heading = el("h3", {}, `${group.count}× ${group.items[0].text}`);
    li.append(heading);
    const list = el("ul", { class: "items" });
    for (const item of group.items) {
      const row = el("li");
      const id = `item-${item.id}`;
      const box = /** @type {HTMLInputElement} */ (el("input", { type: "checkbox", id, value: String(item.id) }));
      box.checked = true;
      const label = el("label", { for: id }, `${item.text} (${item.count}×, ${item.source})`);
      row.append(box, label);
      if (item.details && item.details.disposition) {
        row.append(el("span", { class: "details" }, ` handed off: ${item.details.disposition}`));
      }
      list.append(row);
    }
    li.append(list);

    const hints = el("p", { class: "suggestions" }, "Suggested: ");
    for (const suggestion of group.suggestions) {
      const button = el("button", { type: "button", class: "suggestion" },
        `${suggestion.intent} ${(suggestion.confidence * 100).toFixed(0)}%`);
      button.addEventListener("click", () => decide(li, "label", suggestion.intent));
      hints.append(button);
    }
    li.append(hints);

    const form = el("form", { class: "label-form" });
    const inputId = `intent-${index}`;
    const input = /** @type {HTMLInputElement} */ (el("input", {
      id: inputId, list: "intent-names", placeholder: "intent", autocomplete: "off",
      pattern: "[a-z][a-z0-9_]{1,59}", required: "",
    }));
    const typeSelect = /** @type {HTMLSelectElement} */ (el("select", { "aria-label": "Interaction type of a new intent" }));
    typeSelect.append(el("option", { value: "" }, "existing intent"));
    for (const type of types) typeSelect.append(el("option", { value: type }, `new ${type} intent`));
    form.append(el("label", { for: inputId }, "Label as "), input, typeSelect,
      el("button", { type: "submit" }, "Label"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      decide(li, "label", input.value.trim(), typeSelect.value || undefined);
    });
    li.append(form);

    const actions = el("p", { class: "actions" });
    const oos = el("button", { type: "button" }, "Out of scope");
    oos.addEventListener("click", () => decide(li, "out_of_scope"));
    const discard = el("button", { type: "button" }, "Discard");
    discard.addEventListener("click", () => decide(li, "discard"));
    actions.append(oos, discard);
    li.append(actions);
    return li;
  }

  /**
   * @param {HTMLElement} li
   * @param {string} decision
   * @param {string} [intent]
   * @param {string} [newType]
   */
  async function decide(li, decision, intent, newType) {
    const ids = [...li.querySelectorAll("input[type=checkbox]:checked")]
      .map((box) => Number(/** @type {HTMLInputElement} */ (box).value));
    try {
      await post("api/inbox/decide", {
        item_ids: ids, decision, intent, new_intent_type: newType,
      });
      await refresh();
      say(`${ids.length} message(s): ${decision}${intent ? " " + intent : ""}`);
    } catch (error) {
      say(`Not done: ${error instanceof Error ? error.message : error}`);
    }
  }

  async function refreshInbox() {
    const data = await get("api/inbox");
    intents = data.intents;
    types = data.types;
    const names = document.getElementById("intent-names");
    if (names) names.replaceChildren(...intents.map((i) => el("option", { value: i.name }, i.type)));
    const groups = document.getElementById("groups");
    if (groups) groups.replaceChildren(...data.groups.map(renderGroup));
    const empty = document.getElementById("inbox-empty");
    if (empty) empty.hidden = data.groups.length > 0;
  }

  async function refreshTraining() {
    const data = await get("api/training");
    const pending = document.getElementById("pending");
    if (pending) pending.textContent = `${data.pending} label(s) waiting for training`;
    const button = /** @type {HTMLButtonElement | null} */ (document.getElementById("train"));
    if (button) button.disabled = data.running || data.pending === 0;
    if (data.running) say("Training… (cross-validation, training, conversation tests, simulations)");
    const body = document.querySelector("#runs tbody");
    if (body) {
      body.replaceChildren(...data.runs.map((/** @type {any} */ run) => {
        const row = el("tr", { class: `run ${run.outcome}` });
        row.append(
          el("td", {}, run.finished_at ? new Date(run.finished_at).toLocaleString() : ""),
          el("td", {}, run.by), el("td", {}, run.outcome), el("td", {}, String(run.changes)),
          el("td", {}, run.reason || ""));
        return row;
      }));
    }
    return data.running;
  }

  async function refreshQuality() {
    const data = await get("api/quality");
    const list = document.getElementById("quality");
    if (!list) return;
    const lines = [
      ...data.duplicates.map((/** @type {any} */ d) => `“${d.text}” is under ${d.intents.join(" and ")}`),
      ...data.near_duplicates.slice(0, 10).map((/** @type {any} */ d) =>
        `“${d.a}” (${d.a_intent}) ≈ “${d.b}” (${d.b_intent})`),
      ...data.small_intents.map((/** @type {any} */ s) => `${s.intent}: only ${s.examples} examples`),
      ...data.confused_pairs.map((/** @type {any} */ c) =>
        `${c.intent} taken for ${c.predicted} ${c.count}× in cross-validation`),
      ...data.entity_errors.map((/** @type {any} */ e) => `${e.intent}: ${e.problem}`),
      ...data.checks,
    ];
    list.replaceChildren(...(lines.length ? lines : ["No problems found."]).map((t) => el("li", {}, t)));
    if (data.confusion_matrix) {
      const picture = el("img", {
        src: data.confusion_matrix,
        alt: "Confusion matrix of the latest cross-validation: rows are the true intents",
        class: "confusion",
      });
      list.after(picture);
    }
  }

  /** @param {number | null | undefined} rate */
  function pct(rate) {
    return rate === null || rate === undefined ? "-" : `${Math.round(rate * 100)} %`;
  }

  /** The section for the latest simulation run, made once, after the Retrain section. */
  function simulationSection() {
    let section = document.getElementById("simulation-panel");
    if (section) return section;
    section = el("section", { id: "simulation-panel", "aria-labelledby": "simulation-title" });
    section.append(el("h2", { id: "simulation-title" }, "Latest simulation run"),
      el("div", { id: "simulation" }));
    const train = document.getElementById("train-title")?.closest("section");
    if (train) train.after(section); else document.querySelector("main")?.append(section);
    return section;
  }

  /** Simulated conversations of the retraining gate: figures, categories, failures. */
  async function refreshSimulation() {
    const data = await get("api/simulation");
    simulationSection();
    const box = document.getElementById("simulation");
    if (!box) return;
    const run = data.run;
    if (!run) {
      box.replaceChildren(el("p", {}, "No simulation run yet: the next retrain plays the suite."));
      return;
    }
    const o = run.overall;
    const when = run.recorded_at ? new Date(run.recorded_at).toLocaleString() : "";
    const lines = [
      el("p", { class: "sim-when" }, `${when} · ${run.model} model · ${run.verdict}`),
      el("p", { class: "sim-overall" },
        `Routine resolved ${o.routine_resolved}/${o.routine} (${pct(o.routine_rate)}) · ` +
        `needs a person in the queue ${o.needs_person_reached_queue}/${o.needs_person} · ` +
        `replies with another customer's data ${o.replies_with_other_customer_data} · ` +
        `all resolved ${o.resolved}/${o.played} (${pct(o.resolution_rate)})`),
    ];
    if (run.refusal) lines.push(el("p", { class: "sim-refusal" }, `Refused: ${run.refusal}`));
    const table = el("table", { id: "simulation-categories" });
    const head = el("tr");
    for (const title of ["Category", "Resolved", "Rate"]) head.append(el("th", {}, title));
    table.append(el("thead"), el("tbody"));
    table.querySelector("thead")?.append(head);
    for (const [name, c] of Object.entries(run.categories || {})) {
      const row = el("tr");
      const figures = /** @type {any} */ (c);
      row.append(el("td", {}, name), el("td", {}, `${figures.resolved}/${figures.played}`),
        el("td", {}, pct(figures.resolution_rate)));
      table.querySelector("tbody")?.append(row);
    }
    lines.push(table);
    const failing = el("ol", { id: "simulation-failing" });
    for (const conv of run.failing || []) {
      const item = el("li", { class: "sim-failing" });
      item.append(el("strong", {}, `${conv.category}: ${conv.id}`));
      for (const turn of conv.turns) {
        const list = el("dl");
        list.append(el("dt", {}, "Customer"), el("dd", {}, turn.text),
          el("dt", {}, "Bot"), el("dd", {}, turn.reply || "(no reply)"),
          el("dt", {}, "Failed"), el("dd", {}, turn.failures.join("; ")));
        item.append(list);
      }
      if (conv.end_failures.length) {
        item.append(el("p", {}, `At the end: ${conv.end_failures.join("; ")}`));
      }
      failing.append(item);
    }
    const shown = (run.failing || []).length;
    lines.push(el("h3", {}, run.failing_total > shown
      ? `Failing conversations (${shown} of ${run.failing_total})`
      : `Failing conversations (${run.failing_total})`), failing);
    box.replaceChildren(...lines);
  }

  async function refresh() {
    await Promise.all([refreshInbox(), refreshTraining()]);
  }

  /** @type {number | undefined} */
  let polling;
  /** Watch a training; when one has just finished, show the inbox as it is now.
   * @param {boolean} [wasRunning] */
  async function poll(wasRunning = false) {
    const running = await refreshTraining().catch(() => false);
    if (running) {
      polling = window.setTimeout(() => poll(true), 2000);
    } else {
      polling = undefined;
      if (wasRunning) await Promise.all([refreshInbox(), refreshSimulation().catch(() => {})]);
    }
  }

  document.getElementById("train")?.addEventListener("click", async () => {
    try {
      await post("api/training", {});
      say("Training started.");
      if (polling === undefined) poll();
    } catch (error) {
      say(`Not started: ${error instanceof Error ? error.message : error}`);
    }
  });

  refresh().then(() => poll()).catch((error) => say(String(error)));
  refreshQuality().catch(() => {});
  refreshSimulation().catch(() => {});
})();
