// The pending messages and what is sent again after a reconnect (src/outbox.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_SENDS, Outbox, newSince, reconcile } from "../src/outbox.js";

/** @param {Outbox} box @param {string[]} texts sent over the socket, in order */
function sendAll(box, texts) {
  return texts.map((text) => {
    const item = box.add(text, text);
    box.sent(item);
    return item;
  });
}

const texts = (/** @type {{shown: string}[]} */ items) => items.map((m) => m.shown);

test("a message cut off mid-turn is sent again; one the history has is not", () => {
  const box = new Outbox();
  box.reconcile(["hi"]);
  sendAll(box, ["where is my order?", "and my refund?"]);
  const plan = box.reconcile(["hi", "where is my order?"]);
  assert.deepEqual(texts(plan.delivered), ["where is my order?"]);
  assert.deepEqual(texts(plan.resend), ["and my refund?"]);
  assert.deepEqual(texts(box.items), ["and my refund?"]);
  assert.deepEqual(box.known, ["hi", "where is my order?"]);
});

test("a repeated text counts only after what the widget already knew", () => {
  const box = new Outbox();
  box.reconcile(["yes", "no"]);
  sendAll(box, ["yes"]);
  assert.deepEqual(texts(box.reconcile(["yes", "no"]).resend), ["yes"]); // the old "yes" is not it
  box.sent(box.items[0]);
  assert.deepEqual(texts(box.reconcile(["yes", "no", "yes"]).delivered), ["yes"]);
  assert.deepEqual(box.items, []);
});

test("history cut at the front still lines up with what was known", () => {
  assert.deepEqual(newSince(["a", "b", "c"], ["b", "c", "d"]), ["d"]);
  assert.deepEqual(newSince(["a", "b"], ["a", "b"]), []);
  assert.deepEqual(newSince([], ["a"]), ["a"]);
  assert.deepEqual(newSince(["x"], ["a", "b"]), ["a", "b"]); // no overlap: all of it is new
  assert.deepEqual(newSince(["a", "b", "a"], ["a", "b", "a", "b"]), ["b"]);
  assert.deepEqual(newSince(["a", "???"], ["a", "b"]), ["b"]); // "???" was answered, not kept
});

test("a message that never left (offline) always goes, even if the same text is in the history", () => {
  const queued = { id: 1, text: "yes", shown: "yes", sends: 0, failed: false };
  const plan = reconcile([], ["yes"], [queued]);
  assert.deepEqual(plan.resend, [queued]);
  assert.deepEqual(plan.delivered, []);
});

test("a quick reply is found by its title or its payload, and spaces do not matter", () => {
  const clicked = { id: 1, text: "/affirm", shown: "Yes, cancel it", sends: 1, failed: false };
  assert.deepEqual(reconcile([], ["Yes, cancel it"], [clicked]).delivered, [clicked]);
  assert.deepEqual(reconcile([], ["/affirm"], [clicked]).delivered, [clicked]);
  const padded = { id: 2, text: "  hello ", shown: "  hello ", sends: 1, failed: false };
  assert.deepEqual(reconcile([], ["hello"], [padded]).delivered, [padded]);
});

test("after too many tries a message is marked failed; a retry gives it fresh tries", () => {
  const box = new Outbox();
  const [item] = sendAll(box, ["help"]);
  for (let i = 1; i < MAX_SENDS; i += 1) {
    assert.deepEqual(box.reconcile([]).resend, [item]);
    box.sent(item);
  }
  const plan = box.reconcile([]);
  assert.deepEqual(plan.failed, [item]);
  assert.equal(item.failed, true);
  assert.equal(box.reply(), undefined); // a failed message is not in flight
  box.retry(item);
  assert.deepEqual(box.reconcile([]).resend, [item]); // not sent yet: it goes
  box.sent(item);
  assert.deepEqual(box.reconcile(["help"]).delivered, [item]);
});

test("a reply answers the oldest message in flight, once per turn", () => {
  const box = new Outbox();
  const [first, second] = sendAll(box, ["one", "two"]);
  assert.equal(box.reply(), first);
  assert.equal(box.reply(), undefined); // the same turn's second bubble
  box.turn(); // typing: the next turn
  assert.equal(box.reply(), second);
  assert.deepEqual(box.items, []);
  assert.deepEqual(box.known, ["one", "two"]);
  const [third] = sendAll(box, ["three"]); // nothing in flight: the next reply is for it
  assert.equal(box.reply(), third);
});

test("a refused message leaves, a new conversation forgets everything", () => {
  const box = new Outbox();
  const [long] = sendAll(box, ["x".repeat(10)]);
  assert.equal(box.rejected(), long);
  assert.deepEqual(box.items, []);
  sendAll(box, ["a"]);
  box.clear();
  assert.deepEqual([box.items, box.known], [[], []]);
});
