// @ts-check
/**
 * The controller: the session handshake, history, live messages and states on top of a
 * `Connection`, rendered into the view (view.js); a signed-in customer's download and
 * deletion of their chat through `MyChat` (mychat.js).
 */
import { appendMarkdown, button, el, safeLink } from "./dom.js";
import { handoffState, toHistory, toMessage } from "./messages.js";
import { MyChatError, saveFile } from "./mychat.js";
import { Outbox } from "./outbox.js";
import { StateStore } from "./storage.js";
import { codePoints, cutToCodePoints, isObject } from "./util.js";
import { buildDisclosure, buildView } from "./view.js";

/** @typedef {import("./messages.js").ChatMessage} ChatMessage */
/** @typedef {import("./messages.js").HandoffState} HandoffState */
/** @typedef {import("./connection.js").Connection} Connection */
/** @typedef {import("./connection.js").ConnectionState} ConnectionState */
/** @typedef {import("./mychat.js").MyChat} MyChat */
/** @typedef {import("./outbox.js").Pending} Pending */
/**
 * @typedef {Object} Settings the options after defaults (index.js)
 * @property {string} title
 * @property {string} [welcome]
 * @property {string} [customerToken]
 * @property {"left" | "right"} position
 * @property {string} language
 * @property {number} maxLength
 * @property {string} scope
 * @property {boolean} open
 * @property {import("./strings.js").Strings} strings
 */

const LIVE_HANDOFF = ["queued", "assigned", "agent_joined"];
const TYPING_TIMEOUT_MS = 30000;

export class ChatWidget {
  /** @param {Settings} settings @param {Connection} connection @param {MyChat | null} [myChat] */
  constructor(settings, connection, myChat = null) {
    this.s = settings;
    this.t = settings.strings;
    this.connection = connection;
    this.myChat = myChat;
    /** @type {string | null} the shop's privacy notice, as the server says (chat_history) */
    this.privacyUrl = null;
    this.store = new StateStore(settings.scope);
    this.saved = this.store.load();
    this.view = buildView(this.t, settings);
    /** the customer's messages until answered or in the history (outbox.js) */
    this.outbox = new Outbox();
    /** @type {Map<number, HTMLLIElement>} each pending message's line in the log */
    this.lines = new Map();
    this.confirmed = false;
    this.historyShown = false;
    /** @type {HandoffState} */
    this.handoff = { status: "bot" };
    /** @type {number | undefined} */
    this.typingTimer = undefined;
    this.ending = false;
    /** @type {(value: ChatWidget) => void} */
    let resolveReady = () => {};
    /** @type {Promise<ChatWidget>} resolved when the conversation is shown */
    this.ready = new Promise((resolve) => (resolveReady = resolve));
    this.resolveReady = resolveReady;
  }

  mount() {
    this.bind();
    document.body.append(this.view.root);
    this.clearLog();
    this.setUnread(this.saved.unread);
    if (this.saved.open || this.s.open) this.toggle(true, false);
    this.connection.onState((state, retry) => this.onState(state, retry));
    this.connection.onMessage((event, data) => this.onEvent(event, data));
    this.connection.connect();
    return this;
  }

  destroy() {
    this.connection.close();
    this.view.root.remove();
  }

  /** @private */
  bind() {
    const v = this.view;
    v.launcher.addEventListener("click", () => this.toggle(v.panel.hidden, true));
    v.close.addEventListener("click", () => this.toggle(false, true));
    v.end.addEventListener("click", () => this.showRating(true));
    v.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.toggle(false, true);
    });
    v.compose.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        v.compose.form.requestSubmit();
      }
    });
    v.compose.input.addEventListener("input", () => this.enforceLimit());
    v.compose.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    v.rating.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitRating();
    });
    v.rating.skip.addEventListener("click", () => this.closeRating(true));
    v.rating.again.addEventListener("click", () => this.startNew());
    for (const choice of v.rating.npsButtons) {
      choice.addEventListener("click", () => this.sendNps(Number(choice.dataset.score)));
    }
    v.myChat.download.addEventListener("click", () => this.downloadChat());
    v.myChat.remove.addEventListener("click", () => this.askDelete(true));
    v.myChat.no.addEventListener("click", () => this.askDelete(false));
    v.myChat.yes.addEventListener("click", () => this.deleteChat());
  }

  /** @param {boolean} open @param {boolean} moveFocus */
  toggle(open, moveFocus) {
    const v = this.view;
    v.panel.hidden = !open;
    v.root.classList.toggle("cim-chat--open", open);
    v.launcher.setAttribute("aria-expanded", String(open));
    this.saved.open = open;
    if (open) this.setUnread(0);
    this.save();
    if (moveFocus) (open ? v.compose.input : v.launcher).focus();
    if (open) this.scrollToEnd();
  }

  // --- the connection --------------------------------------------------------------------

  /** @private @param {ConnectionState} state @param {number} [retryInMs] */
  onState(state, retryInMs) {
    const v = this.view;
    v.root.dataset.connection = state;
    const text =
      state === "connecting" ? this.t.connecting : state === "offline" ? this.t.offline(Math.ceil((retryInMs || 0) / 1000)) : "";
    v.status.textContent = text;
    v.status.hidden = !text;
    if (state !== "open") {
      this.confirmed = false;
      return;
    }
    this.requestSession(this.saved.sessionId);
  }

  /** @private @param {string | null} sessionId */
  requestSession(sessionId) {
    this.connection.send("session_request", {
      session_id: sessionId,
      customData: this.metadata(),
      history: true,
    });
  }

  /** @private @param {string} event @param {unknown} data */
  onEvent(event, data) {
    if (event === "session_confirm" && typeof data === "string") this.onConfirmed(data);
    else if (event === "chat_history") this.onHistory(data);
    else if (event === "bot_uttered") this.onBotMessage(data);
    else if (event === "typing" && isObject(data)) this.onTyping(data.typing === true);
    else if (event === "chat_state") this.onHandoff(handoffState(data), false);
    else if (event === "rating_saved") this.onRatingSaved(isObject(data) && data.nps === true);
    else if (event === "nps_saved") this.onNpsSaved();
    else if (event === "error" && isObject(data)) this.onServerError(data);
  }

  /** @private @param {string} sessionId */
  onConfirmed(sessionId) {
    if (this.saved.sessionId && this.saved.sessionId !== sessionId) this.notify(this.t.newConversation);
    this.saved.sessionId = sessionId;
    this.save();
    this.showMyChat();
  }

  /** @private The conversation from the server: the log is rebuilt, then the customer's
   * messages it lacks are shown again and sent again (or marked, after too many tries). */
  /** @param {unknown} data */
  onHistory(data) {
    const history = toHistory(data);
    if (!history || history.sessionId !== this.saved.sessionId) return;
    if (history.maxLength) this.s.maxLength = history.maxLength;
    this.privacyUrl = history.privacyUrl;
    this.clearLog();
    history.messages.forEach((m, i) => this.render(m, i === history.messages.length - 1));
    const joined = history.messages.filter((m) => m.handoff?.status === "agent_joined").pop();
    const state = history.state || { status: "bot" };
    if (!state.agent && joined?.handoff) state.agent = joined.handoff.agent;
    this.onHandoff(state, false);
    this.confirmed = true;
    this.resendMissing(history.messages.filter((m) => m.from === "user" && !m.handoff).map((m) => m.text));
    this.view.root.dataset.ready = "true";
    if (!this.historyShown) {
      this.historyShown = true;
      performance.mark("cim-widget-ready");
      this.resolveReady(this);
    }
  }

  /** @private @param {string[]} said the customer's texts in the history */
  resendMissing(said) {
    this.outbox.reconcile(said);
    this.lines.clear();
    for (const item of this.outbox.items) {
      this.lines.set(item.id, this.renderUser(item.shown, false));
      if (item.failed) this.showFailed(item);
      else this.deliver(item);
    }
  }

  /** @private @param {unknown} data */
  onBotMessage(data) {
    const message = toMessage(data);
    if (!message) return;
    this.settled(this.outbox.reply());
    this.render(message, true);
    this.announce(message);
    if (message.handoff) this.onHandoff(message.handoff, true);
    if (this.view.panel.hidden || document.hidden) this.setUnread(this.saved.unread + 1);
  }

  /** @private @param {HandoffState | undefined} state @param {boolean} live */
  onHandoff(state, live) {
    if (!state) return;
    const before = this.handoff.status;
    if (state.status === "assigned" && !state.agent) state.agent = this.handoff.agent;
    this.handoff = state;
    const t = this.t;
    const v = this.view;
    const text =
      state.status === "queued"
        ? t.queued(state.position, state.waitMinutes)
        : state.status === "assigned" || state.status === "agent_joined"
          ? t.agentJoined(state.agent)
          : state.status === "ticket"
            ? t.ticket
            : "";
    v.banner.textContent = text;
    v.banner.hidden = !text;
    v.root.dataset.handoff = state.status;
    if (LIVE_HANDOFF.includes(state.status)) this.setTyping(false);
    if (live && state.status === "bot" && LIVE_HANDOFF.includes(before)) this.showRating(false);
  }

  /** @private @param {Record<string, unknown>} error */
  onServerError(error) {
    const code = typeof error.code === "string" ? error.code : "";
    if (code === "message_too_long" || code === "empty_message") this.settled(this.outbox.rejected());
    if (code === "bad_session") this.requestSession(this.saved.sessionId);
    if (code === "message_too_long" && typeof error.limit === "number") this.s.maxLength = error.limit;
    const messages = /** @type {Record<string, string>} */ ({
      message_too_long: this.t.limitIs(this.s.maxLength),
      empty_message: this.t.empty,
    });
    this.setTyping(false);
    this.notify(messages[code] || (typeof error.message === "string" && code.includes("rating") ? error.message : this.t.sendFailed));
  }

  // --- sending ---------------------------------------------------------------------------

  /** @private Long pastes are cut to the server's limit, visibly. */
  enforceLimit() {
    const input = this.view.compose.input;
    if (codePoints(input.value) > this.s.maxLength) {
      input.value = cutToCodePoints(input.value, this.s.maxLength);
      this.notify(this.t.tooLong(this.s.maxLength));
    }
  }

  /** @private */
  submit() {
    this.enforceLimit();
    const input = this.view.compose.input;
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    this.say(text, text);
    input.focus();
  }

  /** @param {string} text what the server receives @param {string} shown what the customer sees */
  say(text, shown) {
    this.clearNotice();
    const item = this.outbox.add(text, shown);
    this.lines.set(item.id, this.renderUser(shown, true));
    if (this.confirmed) this.deliver(item);
  }

  /** @private Unsent (offline), it stays pending and goes with the next history. */
  /** @param {Pending} item */
  deliver(item) {
    const sent = this.connection.send("user_uttered", {
      message: item.text,
      session_id: this.saved.sessionId,
      customData: this.metadata(),
    });
    if (!sent) return;
    this.outbox.sent(item);
    if (!LIVE_HANDOFF.includes(this.handoff.status)) this.setTyping(true);
  }

  /** @private The server has this message (answered, or refused with a notice). */
  /** @param {Pending | undefined} item */
  settled(item) {
    if (!item) return;
    const line = this.lines.get(item.id);
    this.lines.delete(item.id);
    if (line) delete line.dataset.state;
  }

  /** @private Sent again and again and never kept: the customer may try once more. */
  /** @param {Pending} item */
  showFailed(item) {
    const line = this.lines.get(item.id);
    if (!line) return;
    line.dataset.state = "failed";
    const bubble = line.querySelector(".cim-bubble");
    if (bubble) bubble.id = `cim-said-${item.id}`;
    const retry = button(this.t.notDelivered, "cim-retry");
    retry.setAttribute("aria-describedby", `cim-said-${item.id}`); // which message it resends
    retry.addEventListener("click", () => {
      retry.remove();
      line.dataset.state = "pending";
      this.outbox.retry(item);
      this.view.log.append(line); // it goes after whatever was said since
      if (this.confirmed) this.deliver(item);
      this.view.compose.input.focus();
    });
    line.append(retry);
    this.view.live.textContent = this.t.notDeliveredAlert(item.shown);
  }

  /** @private @param {boolean} on the server starts (or ends) a turn */
  onTyping(on) {
    this.outbox.turn();
    this.setTyping(on);
  }

  /** @private @returns {Record<string, string>} */
  metadata() {
    /** @type {Record<string, string>} */
    const data = { language: this.s.language };
    if (this.s.customerToken) data.customer_token = this.s.customerToken;
    return data;
  }

  // --- rating ----------------------------------------------------------------------------

  /** @private @param {boolean} ending the customer ended the chat (else: an agent handed back) */
  showRating(ending) {
    const r = this.view.rating;
    this.ending = ending;
    r.form.reset();
    r.form.hidden = false;
    r.fieldset.hidden = r.comment.hidden = r.actions.hidden = false;
    /** @type {HTMLElement} */ (r.comment.previousElementSibling).hidden = false;
    r.thanks.hidden = true;
    this.view.compose.form.hidden = ending;
    if (ending) /** @type {HTMLInputElement} */ (r.fieldset.querySelector("input")).focus();
  }

  /** @private */
  submitRating() {
    const r = this.view.rating;
    const chosen = /** @type {HTMLInputElement | null} */ (r.fieldset.querySelector("input:checked"));
    if (!chosen) {
      this.notify(this.t.rateTitle);
      return;
    }
    const sent = this.connection.send("rating", {
      session_id: this.saved.sessionId,
      rating: Number(chosen.value),
      comment: r.comment.value.trim() || null,
    });
    if (!sent) this.notify(this.t.sendFailed);
  }

  /** @private @param {boolean} askNps the server asks this customer the NPS question */
  onRatingSaved(askNps) {
    const r = this.view.rating;
    r.fieldset.hidden = r.comment.hidden = r.actions.hidden = true;
    /** @type {HTMLElement} */ (r.comment.previousElementSibling).hidden = true;
    r.thanks.hidden = false;
    r.again.hidden = !this.ending;
    r.nps.hidden = !askNps;
    r.npsThanks.hidden = true;
    for (const choice of r.npsButtons) choice.disabled = false;
    this.clearNotice();
    if (askNps) {
      r.npsButtons[0].focus();
      return; // stays open until answered (or a new conversation starts)
    }
    (this.ending ? r.again : r.thanks).focus();
    if (!this.ending) window.setTimeout(() => this.closeRating(false), 4000);
  }

  /** @private @param {number} score 0-10 */
  sendNps(score) {
    const sent = this.connection.send("nps", { session_id: this.saved.sessionId, score });
    if (!sent) this.notify(this.t.sendFailed);
  }

  /** @private */
  onNpsSaved() {
    const r = this.view.rating;
    for (const choice of r.npsButtons) choice.disabled = true;
    r.npsThanks.hidden = false;
    r.npsThanks.focus();
    if (!this.ending) window.setTimeout(() => this.closeRating(false), 4000);
  }

  /** @private @param {boolean} skipped */
  closeRating(skipped) {
    this.view.rating.form.hidden = true;
    if (skipped && this.ending) {
      this.startNew();
      return;
    }
    this.view.compose.form.hidden = false;
  }

  /** A fresh conversation: a new session id from the server, an empty log. */
  startNew() {
    this.view.rating.form.hidden = true;
    this.view.compose.form.hidden = false;
    this.saved.sessionId = null;
    this.save();
    this.confirmed = false;
    this.outbox.clear();
    this.lines.clear();
    this.onHandoff({ status: "bot" }, false);
    this.clearLog();
    this.showMyChat();
    this.requestSession(null);
    this.view.compose.input.focus();
  }

  // --- the customer's own chat ------------------------------------------------------------

  /** @private Download and delete are offered to a signed-in customer in a session. */
  showMyChat() {
    const offered = Boolean(this.myChat && this.s.customerToken && this.saved.sessionId);
    this.view.myChat.bar.hidden = !offered;
    if (!offered) this.view.myChat.confirm.hidden = true;
  }

  /** @private */
  async downloadChat() {
    const sessionId = this.saved.sessionId;
    if (!this.myChat || !sessionId || !this.s.customerToken) return;
    try {
      saveFile(await this.myChat.download(sessionId, this.s.customerToken));
    } catch (error) {
      this.notify(this.failure(error, this.t.downloadFailed));
    }
  }

  /** @private @param {boolean} asking show the question (or take it back) */
  askDelete(asking) {
    const m = this.view.myChat;
    m.confirm.hidden = !asking;
    (asking ? m.no : m.remove).focus();
  }

  /** @private Erased on the server: this conversation is gone, a new one starts. */
  async deleteChat() {
    const sessionId = this.saved.sessionId;
    const m = this.view.myChat;
    if (!this.myChat || !sessionId || !this.s.customerToken) return;
    m.yes.disabled = true;
    try {
      await this.myChat.erase(sessionId, this.s.customerToken);
      m.confirm.hidden = true;
      this.startNew();
      this.notify(this.t.deleted);
    } catch (error) {
      this.notify(this.failure(error, this.t.deleteFailed));
    } finally {
      m.yes.disabled = false;
    }
  }

  /** @private What to tell the customer when the server refused. */
  /** @param {unknown} error @param {string} otherwise @returns {string} */
  failure(error, otherwise) {
    const code = error instanceof MyChatError ? error.code : "";
    if (code === "not_linked") return this.t.deleteByPerson;
    return code === "not_signed_in" ? this.t.signInAgain : otherwise;
  }

  // --- rendering -------------------------------------------------------------------------

  /** @private A new or restored chat's log: the disclosure, then the welcome. */
  clearLog() {
    this.view.log.replaceChildren(buildDisclosure(this.t, this.privacyUrl));
    if (this.s.welcome) this.render({ from: "bot", text: this.s.welcome, replies: [], links: [] }, false);
  }

  /** @private @param {ChatMessage} message @param {boolean} latest */
  render(message, latest) {
    const kind = message.handoff ? "status" : message.from;
    const item = el("li", `cim-msg cim-msg--${kind}${message.agent ? " cim-msg--bot cim-msg--agent" : ""}`);
    if (message.agent) item.append(el("span", "cim-author", message.agent));
    if (message.text) {
      const bubble = el("div", "cim-bubble");
      bubble.dir = "auto";
      if (message.from === "user") bubble.textContent = message.text;
      else appendMarkdown(bubble, message.text);
      item.append(bubble);
    }
    if (message.image) {
      const image = el("img", "cim-image");
      image.src = message.image;
      image.alt = this.t.image;
      image.loading = "lazy";
      item.append(image);
    }
    for (const link of message.links) item.append(safeLink(link.href, link.title));
    for (const old of this.view.log.querySelectorAll(".cim-replies")) old.remove();
    if (latest && message.replies.length) item.append(this.replyButtons(message.replies));
    this.view.log.append(item);
    this.scrollToEnd();
  }

  /** @private A customer's line, pending until the server has it. */
  /** @param {string} text @param {boolean} latest @returns {HTMLLIElement} */
  renderUser(text, latest) {
    this.render({ from: "user", text, replies: [], links: [] }, latest);
    const line = /** @type {HTMLLIElement} */ (this.view.log.lastElementChild);
    line.dataset.state = "pending";
    return line;
  }

  /** @private @param {import("./messages.js").QuickReply[]} replies */
  replyButtons(replies) {
    const group = el("div", "cim-replies");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", this.t.suggested);
    for (const reply of replies) {
      const choice = button(reply.title, "cim-reply");
      choice.addEventListener("click", () => {
        group.remove();
        this.say(reply.payload, reply.title);
        this.view.compose.input.focus();
      });
      group.append(choice);
    }
    return group;
  }

  /** @private New messages are read out by screen readers; restored history is not. */
  /** @param {ChatMessage} message */
  announce(message) {
    const who = message.agent || this.t.assistant;
    this.view.live.textContent = message.text ? `${who}: ${message.text}` : "";
  }

  /** @private @param {boolean} on */
  setTyping(on) {
    window.clearTimeout(this.typingTimer);
    this.view.typing.hidden = !on;
    if (on) this.typingTimer = window.setTimeout(() => this.setTyping(false), TYPING_TIMEOUT_MS);
    this.scrollToEnd();
  }

  /** @private @param {number} count */
  setUnread(count) {
    this.saved.unread = count;
    this.save();
    const v = this.view;
    v.badge.textContent = String(count);
    v.badge.hidden = count === 0;
    v.launcher.setAttribute("aria-label", count ? `${this.t.launcher} (${this.t.unread(count)})` : this.t.launcher);
  }

  /** @private @param {string} text */
  notify(text) {
    this.view.notice.textContent = text;
    this.view.notice.hidden = false;
  }

  /** @private */
  clearNotice() {
    this.view.notice.hidden = true;
    this.view.notice.textContent = "";
  }

  /** @private */
  save() {
    this.store.save(this.saved);
  }

  /** @private */
  scrollToEnd() {
    this.view.log.scrollTop = this.view.log.scrollHeight;
  }
}
