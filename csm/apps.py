from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from csm.tenancy.dbroles import grant_privileges, mark_leakproof

    grant_privileges(using)
    mark_leakproof(using)


class CsmConfig(AppConfig):
    name = "csm"
    verbose_name = "Customer Success core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Once per `migrate`, after every app's migrations: grant the app and ops roles the new tables, and let
        # searches use their indexes under row-level security (csm.tenancy.dbroles).
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="csm.after_migrate")
        from csm.services import on_email_sent
        from csm.signals import email_sent

        email_sent.connect(on_email_sent, dispatch_uid="csm.invitation_sent")
        from csm import lookups  # noqa: F401 - registers the ilike_contains lookup
