// @ts-check
/**
 * The shop's chat box: a launcher button and a panel that talks to the assistant.
 *
 * Embed: <script src="{rasa}/webhooks/web/chat.js"></script> then
 * CimChat.init({serverUrl, customerToken, title, welcome, conversationScope}).
 *
 * No third-party code: the connection is a small Engine.IO v4 / Socket.IO v5 client over
 * the browser's WebSocket, behind the `Connection` interface so another transport can be
 * swapped in. Customer and bot text is only ever set with textContent.
 */
(function () {
  "use strict";

  const MAX_MESSAGE_LENGTH = 2000; // the channel's default max_message_length, in code points
  const HISTORY_LIMIT = 60;
  const STORAGE_PREFIX = "cim-chat:v1:";
  const BACKOFF_MS = { first: 1000, max: 30000 };

  /** @typedef {"connecting" | "open" | "closed"} ConnectionState */
  /**
   * @typedef {Object} Connection
   * @property {() => void} connect
   * @property {(event: string, data: unknown) => boolean} send false when not connected
   * @property {(handler: (event: string, data: unknown) => void) => void} onMessage
   * @property {(handler: (state: ConnectionState) => void) => void} onState
   * @property {() => void} close
   */
  /** @typedef {{title: string, payload: string}} QuickReply */
  /** @typedef {{href: string, title: string}} Link */
  /**
   * What the transcript keeps: only fields rendered with textContent or checked URLs.
   * @typedef {Object} StoredMessage
   * @property {"user" | "bot"} from
   * @property {string} [text]
   * @property {QuickReply[]} [replies]
   * @property {string} [image]
   * @property {Link[]} [links]
   * @property {string} [agent] the person who wrote it, during a human handoff
   * @property {boolean} [status] a handoff status line ("Anna from our team joined the chat.")
   */
  /** @typedef {{sessionId: string | null, messages: StoredMessage[]}} Transcript */
  /**
   * @typedef {Object} ChatConfig
   * @property {string} serverUrl the Rasa server, e.g. "https://assistant.example.com"
   * @property {string} [customerToken] signed by the shop's backend; sent as customer_token
   * @property {string} [title]
   * @property {string} [welcome]
   * @property {string} [conversationScope] a new scope (another customer) starts a new chat
   * @property {string} [socketPath] default "/socket.io/"
   * @property {boolean} [stylesheet] load {serverUrl}/webhooks/web/chat.css (default true)
   */

  /** @param {unknown} value @returns {value is Record<string, unknown>} */
  function isObject(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }

  /** @param {string} text @returns {unknown} */
  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch (_error) {
      return undefined;
    }
  }

  /** An absolute http(s) URL, or null: nothing else becomes a link or an image. */
  /** @param {unknown} candidate @returns {string | null} */
  function safeHttpUrl(candidate) {
    if (typeof candidate !== "string") return null;
    try {
      const url = new URL(candidate);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_error) {
      return null;
    }
  }

  /** @param {string} text @returns {number} */
  function codePoints(text) {
    return Array.from(text).length;
  }

  /** @param {string} text @param {number} limit @returns {string} */
  function cutToCodePoints(text, limit) {
    return Array.from(text).slice(0, limit).join("");
  }

  /**
   * Engine.IO v4 / Socket.IO v5 over WebSocket (root namespace), reconnecting with backoff.
   * Frames: "0{open}" → we send "40"; "40{sid}" = connected; "2" ping → "3" pong;
   * "42[event, data]" events both ways; "41" / "44" = the server ended the session.
   * @implements {Connection}
   */
  class SocketIoConnection {
    /** @param {string} serverUrl @param {string} [path] */
    constructor(serverUrl, path = "/socket.io/") {
      const url = new URL(path, serverUrl);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      url.search = "?EIO=4&transport=websocket";
      this.url = url.href;
      /** @type {WebSocket | null} */
      this.ws = null;
      /** @type {Array<(event: string, data: unknown) => void>} */
      this.messageHandlers = [];
      /** @type {Array<(state: ConnectionState) => void>} */
      this.stateHandlers = [];
      this.connected = false;
      this.stopped = true;
      this.attempt = 0;
      /** @type {number | undefined} */
      this.watchdog = undefined;
      /** @type {number | undefined} */
      this.retry = undefined;
      this.silenceLimitMs = 45000;
      window.addEventListener("online", () => this.retryNow());
    }

    connect() {
      if (!this.stopped) return;
      this.stopped = false;
      this.open();
    }

    /** @param {string} event @param {unknown} data */
    send(event, data) {
      if (!this.connected || !this.ws) return false;
      this.ws.send("42" + JSON.stringify([event, data]));
      return true;
    }

    /** @param {(event: string, data: unknown) => void} handler */
    onMessage(handler) {
      this.messageHandlers.push(handler);
    }

    /** @param {(state: ConnectionState) => void} handler */
    onState(handler) {
      this.stateHandlers.push(handler);
    }

    close() {
      this.stopped = true;
      window.clearTimeout(this.retry);
      window.clearTimeout(this.watchdog);
      if (this.ws) this.ws.close();
    }

    /** @private */
    open() {
      this.setState("connecting");
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.onmessage = (event) => {
        if (this.ws === ws && typeof event.data === "string") this.onFrame(event.data);
      };
      ws.onclose = () => {
        if (this.ws === ws) this.onClosed();
      };
    }

    /** @private @param {string} frame */
    onFrame(frame) {
      const ws = this.ws;
      if (!ws) return;
      const type = frame.charAt(0);
      if (type === "0") {
        const info = parseJson(frame.slice(1));
        if (isObject(info) && typeof info.pingInterval === "number") {
          this.silenceLimitMs = info.pingInterval + Number(info.pingTimeout || 20000);
        }
        this.armWatchdog();
        ws.send("40");
      } else if (type === "2") {
        ws.send("3");
        this.armWatchdog();
      } else if (type === "1") {
        ws.close();
      } else if (type === "4") {
        this.onPacket(frame.slice(1));
      }
    }

    /** @private @param {string} packet a Socket.IO packet for the root namespace */
    onPacket(packet) {
      const type = packet.charAt(0);
      if (type === "0") {
        this.connected = true;
        this.attempt = 0;
        this.setState("open");
      } else if (type === "1" || type === "4") {
        if (this.ws) this.ws.close();
      } else if (type === "2") {
        const body = parseJson(packet.slice(1).replace(/^\d+/, ""));
        if (Array.isArray(body) && typeof body[0] === "string") {
          for (const handler of this.messageHandlers) handler(body[0], body[1]);
        }
      }
    }

    /** @private A server that stops pinging is gone; reconnect instead of waiting. */
    armWatchdog() {
      window.clearTimeout(this.watchdog);
      this.watchdog = window.setTimeout(() => {
        if (this.ws) this.ws.close();
      }, this.silenceLimitMs);
    }

    /** @private */
    onClosed() {
      this.ws = null;
      this.connected = false;
      window.clearTimeout(this.watchdog);
      this.setState("closed");
      if (this.stopped) return;
      const ceiling = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** this.attempt);
      this.attempt += 1;
      this.retry = window.setTimeout(() => this.open(), ceiling * (0.5 + Math.random() / 2));
    }

    /** @private */
    retryNow() {
      if (this.stopped || this.ws) return;
      window.clearTimeout(this.retry);
      this.attempt = 0;
      this.open();
    }

    /** @private @param {ConnectionState} state */
    setState(state) {
      for (const handler of this.stateHandlers) handler(state);
    }
  }

  /** The conversation as this browser remembers it, so a reload continues it. */
  class TranscriptStore {
    /** @param {string} scope */
    constructor(scope) {
      this.key = STORAGE_PREFIX + scope;
    }

    /** @returns {Transcript} */
    load() {
      const saved = parseJson(this.read() || "");
      if (!isObject(saved) || !Array.isArray(saved.messages)) {
        return { sessionId: null, messages: [] };
      }
      const sessionId = typeof saved.sessionId === "string" ? saved.sessionId : null;
      return { sessionId, messages: saved.messages.filter(isStoredMessage) };
    }

    /** @param {Transcript} transcript */
    save(transcript) {
      const messages = transcript.messages.slice(-HISTORY_LIMIT);
      try {
        window.localStorage.setItem(this.key, JSON.stringify({ ...transcript, messages }));
      } catch (_error) {
        // Storage full or disabled: the chat still works, it just won't survive a reload.
      }
    }

    /** @private @returns {string | null} */
    read() {
      try {
        return window.localStorage.getItem(this.key);
      } catch (_error) {
        return null;
      }
    }
  }

  /** @param {unknown} value @returns {value is StoredMessage} */
  function isStoredMessage(value) {
    return isObject(value) && (value.from === "user" || value.from === "bot");
  }

  /** @param {unknown} value @returns {value is QuickReply} */
  function isQuickReply(value) {
    return isObject(value) && typeof value.title === "string" && typeof value.payload === "string";
  }

  /**
   * Rasa's socket.io payloads ({text, quick_replies | buttons, attachment}) as a StoredMessage.
   * @param {unknown} data @returns {StoredMessage | null}
   */
  function fromBotPayload(data) {
    if (!isObject(data)) return null;
    /** @type {StoredMessage} */
    const message = { from: "bot" };
    if (typeof data.text === "string") message.text = data.text;
    if (typeof data.agent === "string") message.agent = data.agent;
    if (isObject(data.handoff)) message.status = true;
    const replies = Array.isArray(data.quick_replies) ? data.quick_replies : data.buttons;
    if (Array.isArray(replies)) message.replies = replies.filter(isQuickReply);
    addAttachment(message, data.attachment);
    const empty = !message.text && !message.replies?.length && !message.image;
    return empty && !message.links?.length ? null : message;
  }

  /** @param {StoredMessage} message @param {unknown} attachment */
  function addAttachment(message, attachment) {
    if (!isObject(attachment) || !isObject(attachment.payload)) return;
    const payload = attachment.payload;
    const url = safeHttpUrl(payload.src ?? payload.url);
    if (attachment.type === "image" && url) {
      message.image = url;
    } else if (url) {
      const title = typeof payload.title === "string" ? payload.title : "Open attachment";
      message.links = [{ href: url, title }];
    } else if (Array.isArray(payload.elements)) {
      message.links = payload.elements.flatMap(elementLinks);
    }
  }

  /** Generic-template elements: their http(s) buttons become links. */
  /** @param {unknown} element @returns {Link[]} */
  function elementLinks(element) {
    if (!isObject(element) || !Array.isArray(element.buttons)) return [];
    return element.buttons.flatMap((button) => {
      const href = isObject(button) ? safeHttpUrl(button.url) : null;
      const title = isObject(button) && typeof button.title === "string" ? button.title : "";
      return href ? [{ href, title: title || href }] : [];
    });
  }

  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag @param {string} className @param {string} [text]
   * @returns {HTMLElementTagNameMap[K]}
   */
  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** @param {string} href @param {string} title @returns {HTMLAnchorElement} */
  function safeLink(href, title) {
    const link = element("a", "cim-link", title);
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer nofollow";
    return link;
  }

  /** Text with its http(s) URLs as links; everything else stays text. */
  /** @param {HTMLElement} parent @param {string} text */
  function appendText(parent, text) {
    const urlPattern = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
    let last = 0;
    for (const match of text.matchAll(urlPattern)) {
      const start = match.index ?? 0;
      const href = safeHttpUrl(match[0]);
      if (!href) continue;
      parent.append(text.slice(last, start), safeLink(href, match[0]));
      last = start + match[0].length;
    }
    parent.append(text.slice(last));
  }

  /** The dialog: header, connection status, the message log, a notice line and the form. */
  /** @param {string} title */
  function buildPanel(title) {
    const panel = element("section", "cim-panel");
    panel.id = "cim-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "cim-title");
    const header = element("header", "cim-header");
    const heading = element("h2", "cim-title", title);
    heading.id = "cim-title";
    const close = element("button", "cim-close", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", "Close chat");
    header.append(heading, close);
    const status = element("p", "cim-status");
    status.setAttribute("role", "status");
    const log = element("ol", "cim-messages");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", "Conversation");
    const notice = element("p", "cim-notice");
    notice.setAttribute("role", "alert");
    notice.hidden = true;
    const { form, input } = buildForm();
    panel.append(header, status, log, notice, form);
    return { panel, close, status, log, notice, form, input };
  }

  /** @returns {{form: HTMLFormElement, input: HTMLTextAreaElement}} */
  function buildForm() {
    const form = element("form", "cim-form");
    const label = element("label", "cim-visually-hidden", "Your message");
    label.htmlFor = "cim-input";
    const input = element("textarea", "cim-input");
    input.id = "cim-input";
    input.rows = 2;
    input.placeholder = "Type your message\u2026";
    const send = element("button", "cim-send", "Send");
    send.type = "submit";
    form.append(label, input, send);
    return { form, input };
  }

  /** The widget: DOM, transcript and the session handshake on top of a Connection. */
  class ChatBox {
    /** @param {ChatConfig} config @param {Connection} connection */
    constructor(config, connection) {
      this.config = config;
      this.connection = connection;
      this.store = new TranscriptStore(config.conversationScope || "default");
      this.transcript = this.store.load();
      this.sessionConfirmed = false;
      /** @type {string[]} */
      this.outbox = [];
      this.dom = this.build(config.title || "Chat with us");
      document.body.append(this.dom.root);
      this.restore();
      connection.onState((state) => this.onState(state));
      connection.onMessage((event, data) => this.onEvent(event, data));
      connection.connect();
    }

    /** @private @param {string} title */
    build(title) {
      const root = element("div", "cim-chat");
      const launcher = element("button", "cim-launcher", "Chat with us");
      launcher.type = "button";
      launcher.setAttribute("aria-expanded", "false");
      launcher.setAttribute("aria-controls", "cim-panel");
      const parts = buildPanel(title);
      root.append(parts.panel, launcher); // the panel opens above the launcher
      const dom = { root, launcher, ...parts };
      this.bind(dom);
      return dom;
    }

    /** @private @param {{launcher: HTMLButtonElement} & ReturnType<typeof buildPanel>} dom */
    bind(dom) {
      dom.launcher.addEventListener("click", () => this.toggle(dom.panel.hidden));
      dom.close.addEventListener("click", () => this.toggle(false));
      dom.panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape") this.toggle(false);
      });
      dom.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          dom.form.requestSubmit();
        }
      });
      dom.input.addEventListener("input", () => this.enforceLimit());
      dom.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submit();
      });
    }

    /** @param {boolean} open */
    toggle(open) {
      this.dom.panel.hidden = !open;
      this.dom.launcher.setAttribute("aria-expanded", String(open));
      (open ? this.dom.input : this.dom.launcher).focus();
      if (open) this.scrollToEnd();
    }

    /** @private */
    restore() {
      if (!this.transcript.messages.length && this.config.welcome) {
        this.remember({ from: "bot", text: this.config.welcome });
      }
      const messages = this.transcript.messages;
      messages.forEach((message, index) => this.render(message, index === messages.length - 1));
    }

    /** @private @param {ConnectionState} state */
    onState(state) {
      const labels = { connecting: "Connecting\u2026", open: "", closed: "Offline, reconnecting\u2026" };
      this.dom.status.textContent = labels[state];
      if (state !== "open") {
        this.sessionConfirmed = false;
        return;
      }
      this.connection.send("session_request", {
        session_id: this.transcript.sessionId,
        customData: this.metadata(),
      });
    }

    /** @private @param {string} event @param {unknown} data */
    onEvent(event, data) {
      if (event === "session_confirm" && typeof data === "string") {
        this.onSessionConfirmed(data);
      } else if (event === "bot_uttered") {
        const message = fromBotPayload(data);
        if (message) {
          this.remember(message);
          this.render(message, true);
        }
      } else if (event === "error" && isObject(data)) {
        this.onServerError(data);
      }
    }

    /** @private @param {string} sessionId */
    onSessionConfirmed(sessionId) {
      if (this.transcript.sessionId && this.transcript.sessionId !== sessionId) {
        this.notify("A new conversation has started.");
      }
      this.transcript.sessionId = sessionId;
      this.store.save(this.transcript);
      this.sessionConfirmed = true;
      const pending = this.outbox.splice(0);
      pending.forEach((text) => this.deliver(text));
    }

    /** @private @param {Record<string, unknown>} error */
    onServerError(error) {
      if (error.code === "bad_session") {
        this.onState("open"); // ask for the session again, then the customer can resend
      }
      const limit = typeof error.limit === "number" ? error.limit : MAX_MESSAGE_LENGTH;
      const messages = /** @type {Record<string, string>} */ ({
        message_too_long: `That message is too long; the limit is ${limit} characters.`,
        empty_message: "Please type a message first.",
      });
      const code = typeof error.code === "string" ? error.code : "";
      this.notify(messages[code] || "Sorry, that message could not be sent. Please try again.");
    }

    /** @private Long pastes are cut to the limit, visibly. */
    enforceLimit() {
      const input = this.dom.input;
      if (codePoints(input.value) > MAX_MESSAGE_LENGTH) {
        input.value = cutToCodePoints(input.value, MAX_MESSAGE_LENGTH);
        this.notify(`Your message was cut to ${MAX_MESSAGE_LENGTH} characters.`);
      }
    }

    /** @private */
    submit() {
      this.enforceLimit();
      const text = this.dom.input.value;
      if (!text.trim()) return;
      this.dom.input.value = "";
      this.say(text, text);
      this.dom.input.focus();
    }

    /** @param {string} text what Rasa receives @param {string} shown what the customer sees */
    say(text, shown) {
      this.clearNotice();
      const message = /** @type {StoredMessage} */ ({ from: "user", text: shown });
      this.remember(message);
      this.render(message, true);
      if (this.sessionConfirmed) this.deliver(text);
      else this.outbox.push(text);
    }

    /** @private @param {string} text */
    deliver(text) {
      const sent = this.connection.send("user_uttered", {
        message: text,
        session_id: this.transcript.sessionId,
        customData: this.metadata(),
      });
      if (!sent) this.outbox.push(text);
    }

    /** @private @returns {Record<string, string>} */
    metadata() {
      const token = this.config.customerToken;
      return token ? { customer_token: token } : {};
    }

    /** @private @param {StoredMessage} message */
    remember(message) {
      this.transcript.messages.push(message);
      this.store.save(this.transcript);
    }

    /** @private @param {StoredMessage} message @param {boolean} latest */
    render(message, latest) {
      const kind = message.status ? "status" : message.agent ? "agent" : message.from;
      const item = element("li", `cim-msg cim-msg--${kind === "agent" ? "bot cim-msg--agent" : kind}`);
      if (message.agent) item.append(element("span", "cim-author", message.agent));
      if (message.text) {
        const bubble = element("p", "cim-bubble");
        appendText(bubble, message.text);
        item.append(bubble);
      }
      if (message.image) {
        const image = element("img", "cim-image");
        image.src = message.image;
        image.alt = "Image from the assistant";
        image.loading = "lazy";
        item.append(image);
      }
      for (const link of message.links || []) item.append(safeLink(link.href, link.title));
      for (const old of this.dom.log.querySelectorAll(".cim-replies")) old.remove();
      if (latest && message.replies?.length) item.append(this.replyButtons(message.replies));
      this.dom.log.append(item);
      this.scrollToEnd();
    }

    /** @private @param {QuickReply[]} replies */
    replyButtons(replies) {
      const group = element("div", "cim-replies");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested replies");
      for (const reply of replies) {
        const button = element("button", "cim-reply", reply.title);
        button.type = "button";
        button.addEventListener("click", () => {
          group.remove();
          this.say(reply.payload, reply.title);
        });
        group.append(button);
      }
      return group;
    }

    /** @private @param {string} text */
    notify(text) {
      this.dom.notice.textContent = text;
      this.dom.notice.hidden = false;
    }

    /** @private */
    clearNotice() {
      this.dom.notice.hidden = true;
      this.dom.notice.textContent = "";
    }

    /** @private */
    scrollToEnd() {
      this.dom.log.scrollTop = this.dom.log.scrollHeight;
    }
  }

  /** @param {string} serverUrl */
  function loadStylesheet(serverUrl) {
    const href = new URL("/webhooks/web/chat.css", serverUrl).href;
    if (document.querySelector(`link[data-cim-chat]`)) return;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.dataset.cimChat = "";
    document.head.append(link);
  }

  /** @param {ChatConfig} config @returns {ChatBox} */
  function init(config) {
    const serverUrl = safeHttpUrl(config && config.serverUrl);
    if (!serverUrl) throw new Error("CimChat.init: serverUrl must be an http(s) URL");
    if (config.stylesheet !== false) loadStylesheet(serverUrl);
    const connection = new SocketIoConnection(serverUrl, config.socketPath);
    return new ChatBox({ ...config, serverUrl }, connection);
  }

  /** @type {any} */ (window).CimChat = { init, SocketIoConnection, ChatBox };
})();
