// @ts-check
/**
 * Markdown-style text as a tree of plain values, never HTML: **bold**, *italic* or _italic_,
 * `code`, [title](https://...), bare http(s) URLs, "- " lists and line breaks. The DOM is
 * built from this tree with text nodes only (dom.js), so no input can become markup.
 */
import { safeHttpUrl } from "./util.js";

/**
 * @typedef {{type: "text" | "strong" | "em" | "code", text: string}
 *   | {type: "link", text: string, href: string}
 *   | {type: "br"}} Inline
 * @typedef {{type: "paragraph", inlines: Inline[]} | {type: "list", items: Inline[][]}} Block
 */

const INLINE = new RegExp(
  [
    /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s()<>]+)\)/.source, // 1, 2: [title](url)
    /(https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]])/.source, // 3: a bare URL
    /\*\*([^*\n]+)\*\*/.source, // 4: bold
    /`([^`\n]+)`/.source, // 5: code
    /(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])/.source, // 6: *italic*
    /(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])/.source, // 7: _italic_
  ].join("|"),
  "g",
);
const LIST_ITEM = /^\s*(?:[-*\u2022])\s+/;

/**
 * Paragraphs (blank-line separated, single newlines kept as breaks) and runs of "- " lines
 * as lists, e.g. "I can help with:\n- orders\n- returns".
 * @param {string} text @returns {Block[]}
 */
export function parseMarkdown(text) {
  /** @type {Block[]} */
  const blocks = [];
  /** @type {Block | null} */
  let open = null;
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (LIST_ITEM.test(line)) {
      if (open?.type !== "list") blocks.push((open = { type: "list", items: [] }));
      open.items.push(parseInline(line.replace(LIST_ITEM, "")));
    } else if (!line.trim()) {
      open = null;
    } else if (open?.type === "paragraph") {
      open.inlines.push({ type: "br" }, ...parseInline(line));
    } else {
      blocks.push((open = { type: "paragraph", inlines: parseInline(line) }));
    }
  }
  return blocks;
}

/** @param {string} text @returns {Inline[]} */
export function parseInline(text) {
  /** @type {Inline[]} */
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const start = match.index ?? 0;
    const inline = toInline(match);
    if (!inline) continue;
    if (start > last) out.push({ type: "text", text: text.slice(last, start) });
    out.push(inline);
    last = start + match[0].length;
  }
  if (last < text.length) out.push({ type: "text", text: text.slice(last) });
  return out;
}

/** @param {RegExpMatchArray} m @returns {Inline | null} */
function toInline(m) {
  if (m[1] !== undefined) {
    const href = safeHttpUrl(m[2]);
    return href ? { type: "link", text: m[1], href } : null;
  }
  if (m[3] !== undefined) {
    const href = safeHttpUrl(m[3]);
    return href ? { type: "link", text: m[3], href } : null;
  }
  if (m[4] !== undefined) return { type: "strong", text: m[4] };
  if (m[5] !== undefined) return { type: "code", text: m[5] };
  const italic = m[6] ?? m[7];
  return italic !== undefined ? { type: "em", text: italic } : null;
}
