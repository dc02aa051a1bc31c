from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "bioseg.quality"
    label = "quality"
    verbose_name = "Quality system"

    def ready(self) -> None:
        from bioseg.production.selectors import register_release_blockers
        from bioseg.quality.selectors import deviation_release_blockers

        register_release_blockers(deviation_release_blockers)
        from bioseg.quality import oos  # noqa: F401  (connects the OOS receiver to certificate_recorded)
