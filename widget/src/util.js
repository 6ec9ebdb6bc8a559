// @ts-check
/** Small helpers shared by the widget's modules; no DOM access here. */

/** @param {unknown} value @returns {value is Record<string, unknown>} */
export function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An absolute http(s) URL, or null: nothing else becomes a link or an image.
 * @param {unknown} candidate @returns {string | null}
 */
export function safeHttpUrl(candidate) {
  if (typeof candidate !== "string") return null;
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (_error) {
    return null;
  }
}

/** Length in code points, so an emoji counts once (as on the server, in Python). */
/** @param {string} text @returns {number} */
export function codePoints(text) {
  return Array.from(text).length;
}

/** @param {string} text @param {number} limit @returns {string} */
export function cutToCodePoints(text, limit) {
  return Array.from(text).slice(0, limit).join("");
}

/** @param {string} text @returns {unknown} */
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (_error) {
    return undefined;
  }
}

/**
 * The text colour (near-black or white) with the higher WCAG contrast on `rgb`.
 * @param {[number, number, number]} rgb 0-255 each
 * @returns {"#111111" | "#ffffff"}
 */
export function readableOn(rgb) {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const withWhite = 1.05 / (luminance + 0.05);
  const withDark = (luminance + 0.05) / (0.0056 + 0.05); // #111111 has luminance ~0.0056
  return withWhite >= withDark ? "#ffffff" : "#111111";
}

/** "#1f6f50" or "#abc" as [r, g, b]; null for anything else. */
/** @param {unknown} hex @returns {[number, number, number] | null} */
export function parseHexColor(hex) {
  if (typeof hex !== "string") return null;
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!match) return null;
  const digits = match[1].length === 3 ? match[1].replace(/./g, "$&$&") : match[1];
  const value = parseInt(digits, 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
