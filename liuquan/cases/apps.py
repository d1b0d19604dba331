from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "liuquan.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from liuquan.calendars import queries as calendar_queries
        from liuquan.cases import queries

        # The data steward's calendar task counts the cases waiting on a year without a schedule.
        calendar_queries.register_waiting(queries.provisional_by_year)
