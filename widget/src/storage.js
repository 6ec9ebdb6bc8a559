// @ts-check
/**
 * What the browser keeps between pages: the session id (the conversation itself is read
 * back from the server), whether the panel was open and the unread count. A storage that
 * throws (privacy modes) degrades to memory for this page.
 */
import { isObject, parseJson } from "./util.js";

/** @typedef {{sessionId: string | null, open: boolean, unread: number}} SavedState */

export const STORAGE_PREFIX = "cim-chat:v2:";

export class StateStore {
  /** @param {string} scope a new scope (another signed-in customer) starts a new chat */
  constructor(scope) {
    this.key = STORAGE_PREFIX + scope;
    /** @type {SavedState} */
    this.memory = { sessionId: null, open: false, unread: 0 };
  }

  /** @returns {SavedState} */
  load() {
    let raw = null;
    try {
      raw = window.localStorage.getItem(this.key);
    } catch (_error) {
      return { ...this.memory };
    }
    const data = raw ? parseJson(raw) : null;
    if (!isObject(data)) return { ...this.memory };
    return {
      sessionId: typeof data.sessionId === "string" ? data.sessionId : null,
      open: data.open === true,
      unread: typeof data.unread === "number" && data.unread > 0 ? Math.floor(data.unread) : 0,
    };
  }

  /** @param {SavedState} state */
  save(state) {
    this.memory = { ...state };
    try {
      window.localStorage.setItem(this.key, JSON.stringify(state));
    } catch (_error) {
      // full or forbidden: the memory copy serves this page
    }
  }
}
