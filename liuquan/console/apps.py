from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "liuquan.console"
    label = "console"
    verbose_name = "Staff console"
