from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "bioseg.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from bioseg.audit import context, triggers

        connection_created.connect(context.on_connection_created, dispatch_uid="bioseg-audit-conn")
        post_migrate.connect(triggers.install_after_migrate, dispatch_uid="bioseg-audit-triggers")
