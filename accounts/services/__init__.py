"""Writes of the accounts app, one module per subject. Every function is one transaction, takes a keyword-only
`actor`, and records what it did in the activity log `about` the account, which is the account's timeline."""
