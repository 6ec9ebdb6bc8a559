"""The demo shop's one page, rendered with everything injected escaped.

Text goes through `html.escape`; the widget's config is JSON inside a script element,
where `</script>`, `<!--`, `&` and U+2028/U+2029 must not appear literally (`script_json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any


@dataclass(frozen=True)
class Product:
    name: str
    price_usd: int
    blurb: str


@dataclass(frozen=True)
class DemoCustomer:
    public_id: str
    name: str


@dataclass(frozen=True)
class PageContext:
    shop_name: str
    rasa_url: str
    customers: tuple[DemoCustomer, ...]
    products: tuple[Product, ...]
    current: DemoCustomer | None
    chat_config: dict[str, Any]
    nonce: str


_SCRIPT_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(value: object) -> str:
    """JSON that is safe inside <script>: it cannot close the element or break a JS parser."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_ESCAPES)


def render_page(ctx: PageContext) -> str:
    shop, nonce = escape(ctx.shop_name), escape(ctx.nonce)
    widget_js = escape(ctx.rasa_url.rstrip("/") + "/webhooks/web/widget.js")
    products = "\n".join(_product_card(product) for product in ctx.products)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{shop} \u2013 Outdoor gear</title>
<link rel="icon" href="data:,">
<style nonce="{nonce}">{_STYLE}</style>
</head>
<body>
<header class="shop-header">
  <p class="logo">{shop}</p>
  {_customer_form(ctx)}
</header>
<main>
  <h1>Gear for every trail</h1>
  <p class="lead">Shoes, jackets, packs and watches, tested on real mountains.</p>
  <h2>Featured products</h2>
  <ul class="products">
{products}
  </ul>
</main>
<footer>Demo shop for the customer-service assistant. Questions? Use the chat.</footer>
<script src="{widget_js}" nonce="{nonce}"></script>
<script nonce="{nonce}">if (window.CimChat) CimChat.init({script_json(ctx.chat_config)});</script>
</body>
</html>
"""


def _product_card(product: Product) -> str:
    return (
        f'    <li class="product"><h3>{escape(product.name)}</h3>'
        f'<p class="price">${product.price_usd}</p><p>{escape(product.blurb)}</p></li>'
    )


def _customer_form(ctx: PageContext) -> str:
    options = ['<option value="">Anonymous</option>']
    for customer in ctx.customers:
        selected = " selected" if customer == ctx.current else ""
        label = f"{customer.name} ({customer.public_id})"
        options.append(
            f'<option value="{escape(customer.public_id)}"{selected}>{escape(label)}</option>'
        )
    return (
        '<form class="signin" method="get" action="/">'
        '<label for="customer">Signed in as</label> '
        f'<select id="customer" name="customer">{"".join(options)}</select> '
        '<button type="submit">Switch</button></form>'
    )


_STYLE = """
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1c2024; background: #f6f4ef; }
.shop-header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center;
  justify-content: space-between; padding: 1rem 2rem; background: #23352b; color: #fff; }
.logo { margin: 0; font-size: 1.4rem; font-weight: 700; }
.signin select, .signin button { font: inherit; padding: 0.2rem 0.4rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem 6rem; }
.lead { color: #4a5250; }
.products { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));
  gap: 1rem; padding: 0; list-style: none; }
.product { padding: 1rem; border-radius: 10px; background: #fff;
  box-shadow: 0 2px 6px rgba(0, 0, 0, 0.08); }
.product h3 { margin: 0 0 0.3rem; }
.price { margin: 0; font-weight: 700; color: #1f6f50; }
footer { padding: 1rem 2rem; color: #4a5250; font-size: 0.9rem; }
"""
