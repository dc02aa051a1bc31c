from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "bioseg.registry"
    label = "registry"
    verbose_name = "Registry"
