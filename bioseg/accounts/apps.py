from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bioseg.accounts"
    label = "accounts"
    verbose_name = "Accounts"
