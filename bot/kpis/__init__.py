"""KPIs: per-conversation facts derived from recorded events, daily rollups, and the
metrics, charts and reports built on them. Definitions are in docs/kpis.md."""
