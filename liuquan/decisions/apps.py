from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "liuquan.decisions"
    label = "decisions"
    verbose_name = _("Collective decisions (三重一大)")
