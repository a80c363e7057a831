from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "studyapp.accounts"
    label = "accounts"
    verbose_name = "Accounts and learners"
