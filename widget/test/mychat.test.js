// "Download my chat" / "Delete my chat" and the disclosure's link, without a DOM: `npm test`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { toHistory } from "../src/messages.js";
import { HttpMyChat, MyChatError, errorCode, filenameFrom } from "../src/mychat.js";
import { stringsFor } from "../src/strings.js";

const TOKEN = "v1.eyJzdWIiOiJDMDAwMSJ9.sig";
const SESSION = `${"a".repeat(32)}-${"b".repeat(24)}`;

/** Records each request `fetch` is asked for and answers with `response`. */
function recordingFetch(response) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url: String(url), init });
    return response.clone();
  };
  return calls;
}

test("the token travels in the POST body, never in the URL, and no cookie goes", async () => {
  const calls = recordingFetch(
    new Response("You: hi\n", { headers: { "Content-Disposition": 'attachment; filename="chat-2026-12-05.txt"' } }),
  );
  const download = await new HttpMyChat("https://bot.example").download(SESSION, TOKEN);

  assert.equal(calls[0].url, "https://bot.example/webhooks/web/my-chat/transcript");
  assert.ok(!calls[0].url.includes(TOKEN));
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.credentials, "omit");
  assert.deepEqual(JSON.parse(calls[0].init.body), { session_id: SESSION, customer_token: TOKEN, format: "text" });
  assert.equal(download.filename, "chat-2026-12-05.txt");
  assert.equal(await download.body.text(), "You: hi\n");
});

test("a refusal becomes an error with the server's code", async () => {
  recordingFetch(new Response('{"error": {"code": "session_not_held"}}', { status: 403 }));
  await assert.rejects(new HttpMyChat("https://bot.example").erase(SESSION, TOKEN), (error) => {
    assert.ok(error instanceof MyChatError);
    return error.status === 403 && error.code === "session_not_held";
  });
  assert.equal(errorCode("<html>bad gateway</html>"), "failed");
});

test("the suggested file name is kept only when it is a plain name", () => {
  assert.equal(filenameFrom('attachment; filename="chat-2026-12-05.json"'), "chat-2026-12-05.json");
  assert.equal(filenameFrom('attachment; filename="../../etc/passwd"'), "chat.txt");
  assert.equal(filenameFrom('attachment; filename=".bashrc"'), "chat.txt");
  assert.equal(filenameFrom(null), "chat.txt");
});

test("the privacy notice from the handshake is an http(s) URL or nothing", () => {
  const history = (url) => toHistory({ session_id: SESSION, messages: [], privacy_notice_url: url });
  assert.equal(history("https://shop.example/privacy")?.privacyUrl, "https://shop.example/privacy");
  assert.equal(history("javascript:alert(1)")?.privacyUrl, null);
  assert.equal(history(undefined)?.privacyUrl, null);
});

test("the disclosure says who answers, in each language", () => {
  assert.match(stringsFor("en").disclosure, /automated assistant.*person/);
  assert.match(stringsFor("de").disclosure, /automatischen Assistenten.*Person/);
  assert.notEqual(stringsFor("de").delete, stringsFor("en").delete);
});
