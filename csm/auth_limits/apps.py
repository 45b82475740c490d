from __future__ import annotations

from django.apps import AppConfig


class AuthLimitsConfig(AppConfig):
    name = "csm.auth_limits"
    label = "auth_limits"
    verbose_name = "Limits on logging in and on password resets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from csm.auth_limits.services import record_login_failure

        user_login_failed.connect(record_login_failure, dispatch_uid="csm.auth_limits.login_failure")
