from django.apps import AppConfig


class PilotsConfig(AppConfig):
    name = "bioseg.pilots"
    label = "pilots"
    verbose_name = "Pilot applications"
