// @ts-check
/**
 * DOM helpers. Text from customers, the bot and agents only ever becomes text nodes
 * (`textContent`, `append(string)`); links and images take checked http(s) URLs.
 */
import { parseMarkdown } from "./markdown.js";

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {string} className @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {string} text @param {string} className @returns {HTMLButtonElement} */
export function button(text, className) {
  const node = el("button", className, text);
  node.type = "button";
  return node;
}

/** @param {string} href a checked http(s) URL @param {string} title */
export function safeLink(href, title) {
  const link = el("a", "cim-link", title);
  link.href = href;
  link.target = "_blank";
  link.rel = "noopener noreferrer nofollow";
  return link;
}

/** @param {HTMLElement} parent @param {import("./markdown.js").Inline[]} inlines */
function appendInlines(parent, inlines) {
  for (const inline of inlines) {
    if (inline.type === "br") parent.append(el("br", ""));
    else if (inline.type === "link") parent.append(safeLink(inline.href, inline.text));
    else if (inline.type === "text") parent.append(inline.text);
    else parent.append(el(inline.type, "", inline.text));
  }
}

/**
 * Markdown-style text as paragraphs and lists of text nodes.
 * @param {HTMLElement} parent @param {string} text
 */
export function appendMarkdown(parent, text) {
  for (const block of parseMarkdown(text)) {
    if (block.type === "list") {
      const list = el("ul", "cim-list");
      for (const item of block.items) {
        const li = el("li", "");
        appendInlines(li, item);
        list.append(li);
      }
      parent.append(list);
    } else {
      const paragraph = el("p", "cim-para");
      appendInlines(paragraph, block.inlines);
      parent.append(paragraph);
    }
  }
}
