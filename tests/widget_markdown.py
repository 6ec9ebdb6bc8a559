"""What the widget's own markdown parser (widget/src/markdown.js, run by node) makes of text.

Tests of what the bot sends use it as the oracle: a value is safe when the widget renders
no link, emphasis or code from it.
"""

from __future__ import annotations

import json
import subprocess

from bot.settings import PROJECT_ROOT

_SCRIPT = (
    "import { parseMarkdown } from './widget/src/markdown.js';"
    "const texts = JSON.parse(process.env.CIM_TEXTS);"
    "const inlines = (b) => (b.type === 'list' ? b.items.flat() : b.inlines);"
    "const markup = (t) => parseMarkdown(t).flatMap(inlines)"
    "  .filter((i) => !['text', 'br'].includes(i.type));"
    "const blocks = (t) => parseMarkdown(t).map((b) => b.type);"
    "console.log(JSON.stringify(texts.map((t) => ({ markup: markup(t), blocks: blocks(t) }))));"
)


def widget_parse(texts: list[str]) -> list[dict[str, list]]:
    """Per text: `markup` (links, bold, italics, code) and `blocks` (paragraph, list)."""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", _SCRIPT],
        cwd=PROJECT_ROOT,
        env={"CIM_TEXTS": json.dumps(texts), "PATH": "/usr/local/bin:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return list(json.loads(done.stdout))


def widget_markup(text: str) -> list[dict[str, str]]:
    """The links, bold, italics and code the widget renders in `text`."""
    return list(widget_parse([text])[0]["markup"])
