"""Customer accounts: accounts, contacts and stakeholders, segments, notes, tasks, success plans, tickets and the
timeline."""
