// @ts-check
/**
 * The customer's messages until the server has them. A message sent over a socket can still
 * be lost: the server saves a turn only when it ends, so a process that dies mid-turn leaves
 * no trace of it. Each message therefore stays pending until a reply for it arrives or the
 * history shows it; after a reconnect, `reconcile` decides what to send again. No DOM here.
 */

/**
 * @typedef {Object} Pending
 * @property {number} id
 * @property {string} text what the server receives (a quick reply's payload)
 * @property {string} shown what the customer sees (its title)
 * @property {number} sends how often it went out over a socket
 * @property {boolean} failed sent `maxSends` times and still not in the history: the
 *   customer decides (tap to retry)
 */
/** @typedef {{delivered: Pending[], resend: Pending[], failed: Pending[]}} Plan */

export const MAX_SENDS = 3;

/** Rasa strips a message's text before it keeps it. @param {string} text */
export function normalize(text) {
  return text.trim();
}

/** Whether a customer text in the history is this message. @param {Pending} item @param {string} said */
export function sameMessage(item, said) {
  const text = normalize(said);
  return text === normalize(item.shown) || text === normalize(item.text);
}

/**
 * The customer's messages in `history` that the widget did not know of: what follows the
 * longest tail of `known` that the history starts with (older messages may be cut off the
 * history's front). A message the server answered without keeping it (no words in it) is
 * left out of `known` when nothing else lines up; with no overlap at all, the whole history
 * counts as new.
 * @param {string[]} known @param {string[]} history @returns {string[]}
 */
export function newSince(known, history) {
  const kept = known.filter((text) => history.includes(text));
  return afterOverlap(known, history) ?? afterOverlap(kept, history) ?? history.slice();
}

/** @param {string[]} known @param {string[]} history @returns {string[] | null} */
function afterOverlap(known, history) {
  for (let skip = 0; skip < known.length; skip += 1) {
    const tail = known.slice(skip);
    if (tail.length <= history.length && tail.every((text, i) => text === history[i])) {
      return history.slice(tail.length);
    }
  }
  return known.length ? null : history.slice();
}

/**
 * What to do with the pending messages once the history is back. Sent ones found in order
 * among the new customer messages were delivered (they must not go twice); the others go
 * again, unless they already went `maxSends` times. Never-sent ones always go.
 * @param {string[]} known @param {string[]} history @param {Pending[]} pending
 * @param {number} [maxSends] @returns {Plan}
 */
export function reconcile(known, history, pending, maxSends = MAX_SENDS) {
  const fresh = newSince(known, history);
  /** @type {Plan} */
  const plan = { delivered: [], resend: [], failed: [] };
  let cursor = 0;
  for (const item of pending) {
    const at = item.sends > 0 ? fresh.findIndex((said, i) => i >= cursor && sameMessage(item, said)) : -1;
    if (at >= 0) {
      cursor = at + 1;
      plan.delivered.push(item);
    } else if (item.failed || item.sends >= maxSends) {
      plan.failed.push(item);
    } else {
      plan.resend.push(item);
    }
  }
  return plan;
}

/**
 * The pending messages and what the server is known to hold. A reply acknowledges the
 * oldest message in flight, one per turn: the server's `typing` events mark turns, so a
 * turn of three bot messages does not acknowledge three customer messages.
 */
export class Outbox {
  constructor() {
    /** @type {Pending[]} oldest first */
    this.items = [];
    /** @type {string[]} the customer's texts the server holds, as far as the widget knows */
    this.known = [];
    this.acknowledgedThisTurn = false;
    this.nextId = 1;
  }

  /** @param {string} text @param {string} shown @returns {Pending} */
  add(text, shown) {
    const item = { id: this.nextId++, text, shown, sends: 0, failed: false };
    this.items.push(item);
    return item;
  }

  /** @param {Pending} item it went out over a socket */
  sent(item) {
    if (!this.inFlight()) this.acknowledgedThisTurn = false; // the next reply is for it
    item.sends += 1;
    item.failed = false;
  }

  /** The customer asks to send a failed message again: it gets a fresh set of tries. */
  /** @param {Pending} item */
  retry(item) {
    item.sends = 0;
    item.failed = false;
    this.items = [...this.items.filter((m) => m !== item), item];
  }

  /** A bot or agent reply arrived. @returns {Pending | undefined} the message it answers */
  reply() {
    if (this.acknowledgedThisTurn) return undefined;
    const item = this.inFlight();
    if (!item) return undefined;
    this.acknowledgedThisTurn = true;
    this.drop(item);
    this.known.push(normalize(item.shown));
    return item;
  }

  /** The server started or ended a turn. */
  turn() {
    this.acknowledgedThisTurn = false;
  }

  /** The server refused the oldest message in flight (too long, empty): it never goes again. */
  /** @returns {Pending | undefined} */
  rejected() {
    const item = this.inFlight();
    if (item) this.drop(item);
    return item;
  }

  /**
   * The history arrived: delivered messages leave, and the history becomes what is known.
   * @param {string[]} history the customer's texts in it, oldest first @returns {Plan}
   */
  reconcile(history) {
    const said = history.map(normalize);
    const plan = reconcile(this.known, said, this.items);
    for (const item of plan.delivered) this.drop(item);
    for (const item of plan.failed) item.failed = true;
    this.known = said;
    this.acknowledgedThisTurn = false;
    return plan;
  }

  /** A new conversation: nothing is pending or known. */
  clear() {
    this.items = [];
    this.known = [];
    this.acknowledgedThisTurn = false;
  }

  /** @returns {Pending | undefined} the oldest message sent and not yet answered */
  inFlight() {
    return this.items.find((m) => m.sends > 0 && !m.failed);
  }

  /** @private @param {Pending} item */
  drop(item) {
    this.items = this.items.filter((m) => m !== item);
  }
}
