"""Usage events and their rollups, health scorecards and scores, surveys (NPS, CSAT, CES)."""
