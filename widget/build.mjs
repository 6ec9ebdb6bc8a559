/**
 * Bundles the widget into bot/web/static/ (served by the channel): widget.js (one IIFE,
 * minified, ES2020) and widget.css. `node build.mjs --check` builds into
 * memory and fails when the committed files differ (a test runs it).
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const OUT = new URL("../bot/web/static/", import.meta.url);
const check = process.argv.includes("--check");
const common = { bundle: true, minify: true, legalComments: "none", logLevel: "warning", write: !check };

const results = await Promise.all([
  build({
    ...common,
    entryPoints: [new URL("./src/index.js", import.meta.url).pathname],
    outfile: new URL("widget.js", OUT).pathname,
    format: "iife",
    target: "es2020",
  }),
  build({
    ...common,
    entryPoints: [new URL("./src/widget.css", import.meta.url).pathname],
    outfile: new URL("widget.css", OUT).pathname,
  }),
]);

let stale = false;
for (const result of results) {
  for (const file of result.outputFiles || []) {
    let committed = "";
    try {
      committed = readFileSync(file.path, "utf8");
    } catch (_error) {
      // missing counts as stale
    }
    if (committed !== file.text) {
      console.error(`stale: ${file.path} differs from widget/src (run \`make widget\`)`);
      stale = true;
    }
  }
}
if (stale) process.exit(1);
for (const name of ["widget.js", "widget.css"]) {
  const body = readFileSync(new URL(name, OUT));
  console.log(`${name}: ${body.length} bytes raw, ${gzipSync(body, { level: 9 }).length} bytes gzip`);
}
