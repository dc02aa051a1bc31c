from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bioseg.web"
    label = "web"
