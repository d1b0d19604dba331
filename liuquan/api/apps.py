from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "liuquan.api"
    label = "api"
    verbose_name = "liuquan API"
