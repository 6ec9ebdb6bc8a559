// The widget's pure modules under Node's own test runner (no DOM needed): `npm test`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { BACKOFF, backoffDelay } from "../src/connection.js";
import { parseInline, parseMarkdown } from "../src/markdown.js";
import { toHistory, toMessage } from "../src/messages.js";
import { stringsFor } from "../src/strings.js";
import { codePoints, cutToCodePoints, parseHexColor, readableOn, safeHttpUrl } from "../src/util.js";

test("markdown becomes plain values, never markup", () => {
  assert.deepEqual(parseInline("**Order** #100004 is *on its way*: `DHL`"), [
    { type: "strong", text: "Order" },
    { type: "text", text: " #100004 is " },
    { type: "em", text: "on its way" },
    { type: "text", text: ": " },
    { type: "code", text: "DHL" },
  ]);
  assert.deepEqual(parseInline('<img src=x onerror="alert(1)">'), [
    { type: "text", text: '<img src=x onerror="alert(1)">' },
  ]);
});

test("only http(s) URLs become links", () => {
  const inlines = parseInline("see [help](https://shop.example/help) or [x](javascript:alert(1)) https://a.example/b.");
  const links = inlines.filter((i) => i.type === "link");
  assert.deepEqual(links, [
    { type: "link", text: "help", href: "https://shop.example/help" },
    { type: "link", text: "https://a.example/b", href: "https://a.example/b" },
  ]);
});

test("snake_case and lone stars stay text", () => {
  assert.deepEqual(parseInline("order_status and 2 * 3 * 4"), [
    { type: "text", text: "order_status and 2 * 3 * 4" },
  ]);
});

test("lists and paragraphs", () => {
  const blocks = parseMarkdown("You can:\n- return it\n- exchange it\n\nThanks!");
  assert.equal(blocks.length, 3);
  assert.deepEqual(blocks.map((b) => b.type), ["paragraph", "list", "paragraph"].slice(0, blocks.length));
  assert.deepEqual(
    parseMarkdown("I can help with:\n- orders\n- returns\n\nAsk me!").map((b) => b.type),
    ["paragraph", "list", "paragraph"],
  );
  assert.deepEqual(parseMarkdown("a\nb")[0], {
    type: "paragraph",
    inlines: [{ type: "text", text: "a" }, { type: "br" }, { type: "text", text: "b" }],
  });
  assert.deepEqual(
    parseMarkdown("- one\n- two").map((b) => b.type),
    ["list"],
  );
});

test("bot payloads: quick replies kept, unsafe attachments dropped, empty ignored", () => {
  const message = toMessage({
    text: "Anything else?",
    quick_replies: [{ title: "Yes", payload: "/affirm" }, { title: 3 }],
    attachment: { type: "image", payload: { src: "javascript:alert(1)" } },
  });
  assert.ok(message);
  assert.deepEqual(message.replies, [{ title: "Yes", payload: "/affirm" }]);
  assert.equal(message.image, undefined);
  assert.equal(toMessage({ text: "" }), null);
  assert.equal(toMessage("hello"), null);
});

test("handoff status lines and history", () => {
  const history = toHistory({
    session_id: "s",
    messages: [{ from: "user", text: "a human please" }, { text: "Anna joined", handoff: { status: "agent_joined", agent: "Anna" } }, 7],
    state: { status: "queued", position: 2, wait_minutes: 4 },
    max_message_length: 500,
  });
  assert.ok(history);
  assert.equal(history.messages.length, 2);
  assert.equal(history.messages[0].from, "user");
  assert.equal(history.messages[1].handoff?.agent, "Anna");
  assert.deepEqual(history.state, { status: "queued", position: 2, waitMinutes: 4 });
  assert.equal(history.maxLength, 500);
  assert.equal(toHistory({ messages: [] }), null);
});

test("backoff grows, is capped and jittered", () => {
  assert.equal(backoffDelay(0, () => 1), BACKOFF.firstMs);
  assert.equal(backoffDelay(1, () => 1), BACKOFF.firstMs * 2);
  assert.equal(backoffDelay(50, () => 1), BACKOFF.maxMs);
  assert.equal(backoffDelay(50, () => 0), BACKOFF.maxMs / 2);
});

test("emoji count once against the limit", () => {
  assert.equal(codePoints("👍🏽ab"), 4);
  assert.equal(cutToCodePoints("😀😀😀", 2), "😀😀");
});

test("a shop's accent colour gets readable text", () => {
  assert.deepEqual(parseHexColor("#1f6f50"), [31, 111, 80]);
  assert.equal(parseHexColor("red; background: url(x)"), null);
  assert.equal(readableOn([31, 111, 80]), "#ffffff");
  assert.equal(readableOn([255, 221, 0]), "#111111");
});

test("URLs and strings", () => {
  assert.equal(safeHttpUrl("data:text/html,x"), null);
  assert.equal(stringsFor("de-AT").send, "Senden");
  assert.equal(stringsFor("xx", { send: "Go" }).send, "Go");
});
