from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "bioseg.quality"
    label = "quality"
    verbose_name = "Quality system"
