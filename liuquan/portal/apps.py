from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "liuquan.portal"
    label = "portal"
    verbose_name = "Public portal"
