// @ts-check
/**
 * What the server sends, recognised by small type guards and turned into `ChatMessage`s.
 * Live `bot_uttered` payloads and `chat_history` items share one shape (Rasa's socket.io
 * payload plus `from`, `agent` and `handoff`), so one parser serves both.
 */
import { isObject, safeHttpUrl } from "./util.js";

/** @typedef {{title: string, payload: string}} QuickReply */
/** @typedef {{href: string, title: string}} Link */
/**
 * @typedef {Object} HandoffState
 * @property {"bot" | "queued" | "assigned" | "agent_joined" | "ticket" | string} status
 * @property {number} [position] place in the queue, 1 = next
 * @property {number} [waitMinutes] expected wait
 * @property {string} [agent] the person who joined
 * @property {string} [nextOpen] ISO time the team is back (tickets)
 */
/**
 * @typedef {Object} ChatMessage
 * @property {"user" | "bot"} from
 * @property {string} text
 * @property {QuickReply[]} replies
 * @property {Link[]} links
 * @property {string} [image]
 * @property {string} [agent] the person who wrote it, during a handoff
 * @property {HandoffState} [handoff] a status line (queue, agent joined, back to the bot)
 */

/** @param {unknown} value @returns {value is QuickReply} */
export function isQuickReply(value) {
  return isObject(value) && typeof value.title === "string" && typeof value.payload === "string";
}

/** @param {unknown} value @returns {HandoffState | undefined} */
export function handoffState(value) {
  if (!isObject(value) || typeof value.status !== "string") return undefined;
  /** @type {HandoffState} */
  const state = { status: value.status };
  if (typeof value.position === "number") state.position = value.position;
  if (typeof value.wait_minutes === "number") state.waitMinutes = value.wait_minutes;
  if (typeof value.agent === "string") state.agent = value.agent;
  if (typeof value.next_open === "string") state.nextOpen = value.next_open;
  return state;
}

/**
 * A bot payload ({text, quick_replies | buttons, attachment, agent, handoff}) or a history
 * item ({from, ...}); null when nothing in it can be shown.
 * @param {unknown} data @returns {ChatMessage | null}
 */
export function toMessage(data) {
  if (!isObject(data)) return null;
  /** @type {ChatMessage} */
  const message = {
    from: data.from === "user" ? "user" : "bot",
    text: typeof data.text === "string" ? data.text : "",
    replies: [],
    links: [],
  };
  if (typeof data.agent === "string") message.agent = data.agent;
  const handoff = handoffState(data.handoff);
  if (handoff) message.handoff = handoff;
  const replies = Array.isArray(data.quick_replies) ? data.quick_replies : data.buttons;
  if (Array.isArray(replies)) message.replies = replies.filter(isQuickReply);
  addAttachment(message, data.attachment ?? (data.image ? { type: "image", payload: { src: data.image } } : null));
  const empty = !message.text && !message.replies.length && !message.image && !message.links.length;
  return empty ? null : message;
}

/** @param {ChatMessage} message @param {unknown} attachment */
function addAttachment(message, attachment) {
  if (!isObject(attachment) || !isObject(attachment.payload)) return;
  const payload = attachment.payload;
  const url = safeHttpUrl(payload.src ?? payload.url);
  if (attachment.type === "image" && url) {
    message.image = url;
  } else if (url) {
    const title = typeof payload.title === "string" ? payload.title : url;
    message.links.push({ href: url, title });
  } else if (Array.isArray(payload.elements)) {
    message.links.push(...payload.elements.flatMap(elementLinks));
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
 * The `chat_history` event: {session_id, messages, state, max_message_length,
 * privacy_notice_url}; the notice only as an http(s) URL.
 * @param {unknown} data
 * @returns {{sessionId: string, messages: ChatMessage[], state: HandoffState | undefined,
 *   maxLength: number | undefined, privacyUrl: string | null} | null}
 */
export function toHistory(data) {
  if (!isObject(data) || typeof data.session_id !== "string" || !Array.isArray(data.messages)) {
    return null;
  }
  const messages = data.messages.map(toMessage).filter(/** @returns {m is ChatMessage} */ (m) => m !== null);
  const limit = data.max_message_length;
  const maxLength = typeof limit === "number" && limit > 0 ? limit : undefined;
  const privacyUrl = safeHttpUrl(data.privacy_notice_url);
  return { sessionId: data.session_id, messages, state: handoffState(data.state), maxLength, privacyUrl };
}
