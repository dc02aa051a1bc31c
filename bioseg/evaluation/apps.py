from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "bioseg.evaluation"
    label = "evaluation"
    verbose_name = "End-of-pilot evaluation"
