// @ts-check
// The agent console. Customer text is only ever put on the page with textContent.
"use strict";

(function () {
  const body = document.body;
  const csrf = body.dataset.csrf || "";
  /** @type {number | null} */
  let current = null;

  /** @param {string} id @returns {HTMLElement} */
  function byId(id) {
    const found = document.getElementById(id);
    if (!found) throw new Error("missing #" + id);
    return found;
  }

  /** @param {string} tag @param {string} text @param {string} [className] */
  function el(tag, text, className) {
    const node = document.createElement(tag);
    node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  /** @param {string} path @param {object} [payload] @returns {Promise<any>} */
  async function api(path, payload) {
    /** @type {RequestInit} */
    const init = payload === undefined ? { credentials: "same-origin" } : {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload),
    };
    const response = await fetch("api/" + path, init);
    if (response.status === 401) window.location.reload();
    const data = await response.json();
    if (!response.ok) byId("status").textContent = "Refused: " + String(data.error);
    return response.ok ? data : null;
  }

  async function loadQueue() {
    const data = await api("queue");
    if (!data) return;
    const tbody = /** @type {HTMLTableElement} */ (byId("queue")).tBodies[0];
    tbody.replaceChildren();
    for (const entry of data.queue) {
      const row = document.createElement("tr");
      row.dataset.id = String(entry.id);
      const cells = [
        "H-" + entry.id, "P" + entry.priority + (entry.vip ? " VIP" : ""),
        entry.waited_minutes + " min" + (entry.sla_breached ? " (SLA!)" : ""),
        (entry.reasons || []).join(", "), entry.interaction_type || "",
        entry.customer || "anonymous", entry.state + (entry.agent ? " (" + entry.agent + ")" : ""),
      ];
      for (const text of cells) row.appendChild(el("td", String(text)));
      const open = el("button", "Open");
      open.addEventListener("click", () => openConversation(entry.id));
      const cell = document.createElement("td");
      cell.appendChild(open);
      row.appendChild(cell);
      tbody.appendChild(row);
    }
  }

  /** @param {HTMLElement} list @param {string[]} items */
  function fillList(list, items) {
    list.replaceChildren(...items.map((text) => el("li", text)));
  }

  /** @param {HTMLElement} dl @param {Record<string, unknown>} values */
  function fillPairs(dl, values) {
    dl.replaceChildren();
    for (const [key, value] of Object.entries(values || {})) {
      dl.appendChild(el("dt", key));
      dl.appendChild(el("dd", typeof value === "string" ? value : JSON.stringify(value)));
    }
  }

  /** @param {{from: string, text: string, agent?: string}} line */
  function addLine(line) {
    const who = line.from === "agent" ? line.agent || "agent" : line.from;
    const item = el("li", "", "line " + line.from);
    item.appendChild(el("span", who + ": ", "who"));
    item.appendChild(el("span", line.text, "text"));
    byId("transcript").appendChild(item);
  }

  /** @param {number} id */
  async function openConversation(id) {
    const packet = await api("handoffs/" + id);
    if (!packet) return;
    current = id;
    byId("conversation").hidden = false;
    byId("conv-title").textContent = "H-" + id + " · " + (packet.interaction_type || "untyped") +
      " · " + packet.handoff.state;
    byId("summary").textContent = packet.summary;
    byId("transcript").replaceChildren();
    for (const line of packet.transcript) addLine(line);
    const why = packet.why.explanations.length
      ? packet.why.explanations.map((/** @type {any} */ r) => r.code + ": " + r.explanation)
      : packet.why.reasons;
    fillList(byId("why"), why);
    fillList(byId("intents"), packet.intents.map((/** @type {any} */ i) =>
      (i.intent || "?") + " (" + (i.confidence ?? "?") + "): " + i.text));
    fillPairs(byId("slots"), packet.slots);
    fillPairs(byId("customer"), packet.customer || { customer: "not identified" });
    fillList(byId("orders"), packet.orders.map((/** @type {any} */ o) =>
      "#" + o.number + " " + o.status + " · " + o.items.join(", ")));
    fillList(byId("tried"), packet.bot_tried);
    fillList(byId("notes"), packet.notes.map((/** @type {any} */ n) => n.agent + ": " + n.body));
  }

  /** @param {string} action @param {object} payload */
  async function act(action, payload) {
    if (current === null) return;
    const done = await api("handoffs/" + current + "/" + action, payload);
    if (done) {
      byId("status").textContent = action + ": done";
      await openConversation(current);
      await loadQueue();
    }
  }

  byId("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = /** @type {HTMLTextAreaElement} */ (byId("reply"));
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
    await act("reply", { text });
  });
  // The customer sees "typing…" while the agent writes: at most one signal every 3 s.
  let typingSent = 0;
  byId("reply").addEventListener("input", () => {
    const now = Date.now();
    if (current === null || now - typingSent < 3000) return;
    typingSent = now;
    // Quiet: before the agent has claimed the chat the server refuses, which is fine.
    fetch("api/handoffs/" + current + "/typing", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: "{}",
    }).catch(() => {});
  });
  byId("canned").addEventListener("change", () => {
    const select = /** @type {HTMLSelectElement} */ (byId("canned"));
    /** @type {HTMLTextAreaElement} */ (byId("reply")).value = select.value;
    select.value = "";
  });
  byId("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = /** @type {HTMLTextAreaElement} */ (byId("note"));
    if (box.value.trim()) await act("notes", { text: box.value });
    box.value = "";
  });
  const value = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ (byId(id)).value;
  byId("claim").addEventListener("click", () => act("claim", {}));
  byId("transfer").addEventListener("click", () => act("transfer", { team: value("team") }));
  byId("resolve").addEventListener("click",
    () => act("resolve", { disposition: value("disposition") }));
  byId("handback").addEventListener("click",
    () => act("handback", { disposition: value("disposition") }));

  /** @param {any} event */
  function onHandoffEvent(event) {
    if (!event || typeof event.kind !== "string") return;
    if (event.kind === "customer_message" && event.handoff_id === current) {
      addLine({ from: "customer", text: String(event.text) });
    } else if (event.kind === "agent_message" && event.handoff_id === current) {
      // our own replies are re-read with the conversation; others' appear here
      if (event.agent !== body.dataset.agent) addLine({ from: "agent", text: String(event.text), agent: String(event.agent) });
    }
    if (event.kind !== "agent_message") void loadQueue();
  }

  /** A minimal Socket.IO v5 client on the /agents namespace, over WebSocket. */
  function connect(attempt = 0) {
    const url = new URL("/socket.io/?EIO=4&transport=websocket", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url.href);
    const status = byId("connection");
    ws.onmessage = (message) => {
      const frame = String(message.data);
      if (frame.startsWith("0")) ws.send("40/agents,");
      else if (frame === "2") ws.send("3");
      else if (frame.startsWith("40/agents")) { status.textContent = "live"; attempt = 0; void loadQueue(); }
      else if (frame.startsWith("44/agents")) status.textContent = "not logged in";
      else if (frame.startsWith("42/agents,")) {
        const packet = JSON.parse(frame.slice("42/agents,".length).replace(/^\d+/, ""));
        if (Array.isArray(packet) && packet[0] === "handoff") onHandoffEvent(packet[1]);
      }
    };
    ws.onclose = () => {
      status.textContent = "reconnecting…";
      window.setTimeout(() => connect(attempt + 1), Math.min(30000, 1000 * 2 ** attempt));
    };
  }

  connect();
  void loadQueue();
  // The handoff webhook links to a handoff as #H-<id> (no conversation id ever leaves us).
  const linked = /^#H-(\d+)$/.exec(window.location.hash);
  if (linked) void openConversation(Number(linked[1]));
  window.setInterval(loadQueue, 30000); // wait times move even when nothing happens
})();
