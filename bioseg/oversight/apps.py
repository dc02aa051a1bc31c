from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "bioseg.oversight"
    label = "oversight"
    verbose_name = "Supervision"
