from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "liuquan.core"
    label = "core"
    verbose_name = "liuquan core"
