"""Reads of the accounts app, one module per page family (accounts list and 360, start page, tasks, tickets,
boards, settings); views and metrics read through them, never the other way round."""
