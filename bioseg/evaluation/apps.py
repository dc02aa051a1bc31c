from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "bioseg.evaluation"
    label = "evaluation"
    verbose_name = "End-of-pilot evaluation"

    def ready(self) -> None:
        from bioseg.evaluation import (
            quality_figures,  # noqa: F401  (registers the quality section)
            supervision_figures,  # noqa: F401  (registers the supervision section)
        )
