// @ts-check
/**
 * The widget talks to the server through one interface, `Connection`; `SocketIoConnection`
 * implements it with a small Engine.IO v4 / Socket.IO v5 client over the browser's
 * WebSocket (no third-party code). Another transport (long polling, SSE) would implement
 * the same four methods.
 */
import { isObject, parseJson } from "./util.js";

/** @typedef {"connecting" | "open" | "offline"} ConnectionState */
/**
 * @callback StateHandler
 * @param {ConnectionState} state
 * @param {number} [retryInMs] when offline: the time to the next attempt
 * @returns {void}
 */
/**
 * @typedef {Object} Connection
 * @property {() => void} connect
 * @property {(event: string, data: unknown) => boolean} send false when not connected
 * @property {(handler: (event: string, data: unknown) => void) => void} onMessage
 * @property {(handler: StateHandler) => void} onState
 * @property {() => void} close
 */

export const BACKOFF = { firstMs: 500, maxMs: 30000 };

/**
 * Exponential backoff with jitter: about 0.5 s, 1 s, 2 s ... up to 30 s, each between 50%
 * and 100% of the step, so many widgets do not all come back at the same moment.
 * @param {number} attempt 0 for the first retry
 * @param {() => number} [random]
 */
export function backoffDelay(attempt, random = Math.random) {
  const step = Math.min(BACKOFF.maxMs, BACKOFF.firstMs * 2 ** Math.min(attempt, 16));
  return Math.round(step * (0.5 + random() / 2));
}

/**
 * Frames: "0{open}" → we send "40"; "40{sid}" = connected; "2" ping → "3" pong;
 * "42[event, data]" events both ways; "41" / "44" = the server ended the session.
 * @implements {Connection}
 */
export class SocketIoConnection {
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
    /** @type {StateHandler[]} */
    this.stateHandlers = [];
    this.connected = false;
    this.stopped = true;
    this.attempt = 0;
    /** @type {number | undefined} */
    this.watchdog = undefined;
    /** @type {number | undefined} */
    this.retry = undefined;
    this.silenceLimitMs = 45000;
    this.onOnline = () => this.retryNow();
  }

  connect() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
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

  /** @param {StateHandler} handler */
  onState(handler) {
    this.stateHandlers.push(handler);
  }

  close() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.clearTimeout(this.retry);
    window.clearTimeout(this.watchdog);
    const ws = this.ws;
    this.ws = null;
    this.connected = false;
    if (ws) ws.close();
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
      this.ws?.close();
    } else if (type === "2") {
      const body = parseJson(packet.slice(1));
      if (Array.isArray(body) && typeof body[0] === "string") {
        for (const handler of this.messageHandlers) handler(body[0], body[1]);
      }
    }
  }

  /** @private The server pings every pingInterval; silence means the link is dead. */
  armWatchdog() {
    window.clearTimeout(this.watchdog);
    this.watchdog = window.setTimeout(() => this.ws?.close(), this.silenceLimitMs);
  }

  /** @private */
  onClosed() {
    this.connected = false;
    this.ws = null;
    window.clearTimeout(this.watchdog);
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++);
    this.setState("offline", delay);
    this.retry = window.setTimeout(() => this.open(), delay);
  }

  /** @private The browser came back online: try at once instead of waiting. */
  retryNow() {
    if (this.stopped || this.ws) return;
    window.clearTimeout(this.retry);
    this.open();
  }

  /** @private @param {ConnectionState} state @param {number} [retryInMs] */
  setState(state, retryInMs) {
    for (const handler of this.stateHandlers) handler(state, retryInMs);
  }
}
