from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "bioseg.oversight"
    label = "oversight"
    verbose_name = "Supervision"

    def ready(self) -> None:
        from bioseg.oversight import ratings  # connects the re-rating to supervision_signal

        ratings.connect_quality_signals()
