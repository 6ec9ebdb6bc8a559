// @ts-check
/**
 * A signed-in customer's own chat: "Download my chat" and "Delete my chat" call the
 * channel's routes (bot/channels/my_chat.py) behind one interface, `MyChat`. The token goes
 * in the POST body, never in a URL, so it never lands in an access log; no cookies are sent.
 */
import { isObject, parseJson } from "./util.js";

/** @typedef {{body: Blob, filename: string}} Download */
/**
 * @typedef {Object} MyChat
 * @property {(sessionId: string, token: string) => Promise<Download>} download
 * @property {(sessionId: string, token: string) => Promise<void>} erase
 */

export const MY_CHAT_PATH = "/webhooks/web/my-chat/";
const FALLBACK_NAME = "chat.txt";

/** An answer the server refused; `code` is its error code ("not_signed_in", ...). */
export class MyChatError extends Error {
  /** @param {number} status @param {string} code */
  constructor(status, code) {
    super(`my chat: ${status} ${code}`);
    this.status = status;
    this.code = code;
  }
}

/** @implements {MyChat} */
export class HttpMyChat {
  /** @param {string} serverUrl the assistant's server (an http(s) origin) */
  constructor(serverUrl) {
    this.base = new URL(MY_CHAT_PATH, serverUrl).href;
  }

  /** The conversation as a readable text file. */
  /** @param {string} sessionId @param {string} token @returns {Promise<Download>} */
  async download(sessionId, token) {
    const response = await this.post("transcript", { session_id: sessionId, customer_token: token, format: "text" });
    return { body: await response.blob(), filename: filenameFrom(response.headers.get("Content-Disposition")) };
  }

  /** @param {string} sessionId @param {string} token @returns {Promise<void>} */
  async erase(sessionId, token) {
    await this.post("delete", { session_id: sessionId, customer_token: token });
  }

  /** @private @param {string} action @param {Record<string, string>} body */
  async post(action, body) {
    const response = await fetch(this.base + action, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
    if (!response.ok) throw new MyChatError(response.status, errorCode(await response.text()));
    return response;
  }
}

/** The file name the server suggests, made safe; a plain default otherwise. */
/** @param {string | null} header Content-Disposition @returns {string} */
export function filenameFrom(header) {
  const match = /filename="([^"]*)"/.exec(header || "");
  const name = match ? match[1].replace(/[^A-Za-z0-9._-]/g, "") : "";
  return name && !name.startsWith(".") ? name : FALLBACK_NAME;
}

/** @param {string} text the body of a refusal @returns {string} */
export function errorCode(text) {
  const data = parseJson(text);
  const error = isObject(data) ? data.error : undefined;
  return isObject(error) && typeof error.code === "string" ? error.code : "failed";
}

/** Hands `download` to the browser as a file. */
/** @param {Download} download */
export function saveFile(download) {
  const url = URL.createObjectURL(download.body);
  const link = document.createElement("a");
  link.href = url;
  link.download = download.filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}
