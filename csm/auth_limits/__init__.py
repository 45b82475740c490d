"""Limits on guessing passwords and on password-reset emails, beyond axes' lock-out of one (email, address) pair.

The counts are rows in PostgreSQL (`Attempt`), written in the transaction of the request that makes them; the
design and the thresholds are described beside the settings (LOGIN_EMAIL_*, LOGIN_ADDRESS_*, PASSWORD_RESET_*) and
in `csm.auth_limits.services`.
"""
