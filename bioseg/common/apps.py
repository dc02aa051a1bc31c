from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "bioseg.common"
    label = "common"
