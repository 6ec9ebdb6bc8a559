"""The customer store: the shop's customers, orders, products and the bot's own records.

SQLAlchemy 1.4 written in the 2.0 style. Nothing here connects at import time:
`db.get_engine()` builds the engine on first use and caches it per URL.
"""
