from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_after_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from csm.dbroles import grant_privileges

    grant_privileges(using)


class CsmConfig(AppConfig):
    name = "csm"
    verbose_name = "Customer Success core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Once per `migrate`, after every app's migrations: grant the app and ops roles the new tables.
        post_migrate.connect(_grant_after_migrate, sender=self, dispatch_uid="csm.grant_privileges")
