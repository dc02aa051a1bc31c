from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "bioseg.quality"
    label = "quality"
    verbose_name = "Quality system"

    def ready(self) -> None:
        from bioseg.production.selectors import register_release_blockers
        from bioseg.quality.selectors import deviation_release_blockers

        register_release_blockers(deviation_release_blockers)
        from bioseg.production.disposition import register_disposition_authority
        from bioseg.quality.duties import excursion_disposition_authority

        register_disposition_authority(excursion_disposition_authority)
        from bioseg.production.signals import recall_started
        from bioseg.quality import oos  # noqa: F401  (connects the OOS receiver to certificate_recorded)
        from bioseg.quality.notifications import _recall_notify

        recall_started.connect(_recall_notify, dispatch_uid="quality-recall-notify")
