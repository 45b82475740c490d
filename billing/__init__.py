"""The Stripe connection, its webhooks, synced customers, subscriptions and invoices, MRR movements and revenue
metrics."""
