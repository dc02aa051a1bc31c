from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "bioseg.oversight"
    label = "oversight"
    verbose_name = "Supervision"

    def ready(self) -> None:
        from bioseg.oversight import ratings  # noqa: F401  (connects the re-rating to supervision_signal)
