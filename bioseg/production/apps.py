from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "bioseg.production"
    label = "production"
    verbose_name = "Production"
