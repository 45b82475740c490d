"""The manager dashboards: the top of the layering (with `csm.urls`), the one place that imports every app's
`metrics.py` and composes their KPIs against the organization's targets. No app imports it."""
