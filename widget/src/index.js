// @ts-check
/**
 * The embeddable chat widget. A shop adds one script tag, served by the assistant's server:
 *
 *   <script src="https://assistant.example.com/webhooks/web/widget.js"></script>
 *
 * which shows the widget with defaults (and `data-*` options on the tag), or configures it:
 *
 *   CimChat.init({customerToken, title, welcome, colors: {accent}, position, language});
 *
 * The server URL defaults to the script's own origin.
 */
import { SocketIoConnection } from "./connection.js";
import { HttpMyChat } from "./mychat.js";
import { stringsFor } from "./strings.js";
import { parseHexColor, readableOn, safeHttpUrl } from "./util.js";
import { ChatWidget } from "./widget.js";

/**
 * @typedef {Object} WidgetOptions
 * @property {string} [serverUrl] the assistant's server; default: where widget.js came from
 * @property {string} [customerToken] signed by the shop's backend for a signed-in customer
 * @property {string} [title]
 * @property {string} [welcome] the first message, shown above the conversation
 * @property {{accent?: string}} [colors] e.g. {accent: "#1f6f50"} (hex); text colour follows
 * @property {"left" | "right"} [position] corner of the launcher, default "right"
 * @property {string} [language] "en" (default: the page's lang) or "de"
 * @property {Partial<import("./strings.js").Strings>} [strings] any text, overridden
 * @property {string} [conversationScope] e.g. the customer id: another scope, another chat
 * @property {number} [maxLength] characters per message; the server's limit (2000)
 * @property {boolean} [open] open the panel at once
 * @property {boolean} [stylesheet] load widget.css from the server (default true)
 * @property {string} [socketPath] default "/socket.io/"
 */

const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
/** @type {ChatWidget | null} */
let current = null;

/** @param {WidgetOptions} [options] @returns {ChatWidget} */
export function init(options = {}) {
  const serverUrl = safeHttpUrl(options.serverUrl || (script && script.src ? new URL(script.src).origin : ""));
  if (!serverUrl) throw new Error("CimChat.init: serverUrl must be an http(s) URL");
  if (current) current.destroy();
  if (options.stylesheet !== false) loadStylesheet(serverUrl);
  const language = options.language || document.documentElement.lang || "en";
  const strings = stringsFor(language, options.strings);
  const widget = new ChatWidget(
    {
      title: options.title || strings.launcher,
      welcome: options.welcome,
      customerToken: options.customerToken,
      position: options.position === "left" ? "left" : "right",
      language,
      maxLength: options.maxLength || 2000,
      scope: options.conversationScope || "default",
      open: options.open === true,
      strings,
    },
    new SocketIoConnection(serverUrl, options.socketPath),
    new HttpMyChat(serverUrl),
  );
  applyColors(widget.view.root, options.colors);
  current = widget.mount();
  return widget;
}

/** @param {HTMLElement} root @param {WidgetOptions["colors"]} colors */
function applyColors(root, colors) {
  const rgb = parseHexColor(colors?.accent);
  if (!rgb || !colors?.accent) return;
  root.style.setProperty("--cim-accent", colors.accent);
  root.style.setProperty("--cim-on-accent", readableOn(rgb));
}

/** @param {string} serverUrl */
function loadStylesheet(serverUrl) {
  if (document.querySelector("link[data-cim-chat]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("/webhooks/web/widget.css", serverUrl).href;
  link.dataset.cimChat = "";
  document.head.append(link);
}

/** Options from the script tag: data-title, data-welcome, data-position, data-language, data-accent. */
/** @param {DOMStringMap} data @returns {WidgetOptions} */
function fromDataset(data) {
  return {
    title: data.title,
    welcome: data.welcome,
    position: data.position === "left" ? "left" : "right",
    language: data.language,
    colors: data.accent ? { accent: data.accent } : undefined,
    serverUrl: data.serverUrl,
  };
}

/** Without an init() call by the time the page is parsed, the tag alone shows the widget. */
function autoInit() {
  if (current || !script || script.dataset.manual !== undefined) return;
  init(fromDataset(script.dataset));
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoInit);
else window.setTimeout(autoInit, 0);

/** @type {any} */ (window).CimChat = {
  init,
  get widget() {
    return current;
  },
};
