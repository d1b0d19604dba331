from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "liuquan.supervision"
    label = "supervision"
    verbose_name = _("E-supervision")

    def ready(self) -> None:
        """Watch the case actions (cases know of no watcher; supervision subscribes)."""
        from liuquan.cases import watchers
        from liuquan.supervision import sweep

        watchers.subscribe(
            watchers.Watcher(
                worth_a_run=sweep.worth_a_run,
                run=lambda case_ids: sweep.run_sweep(case_ids=case_ids),
                warn_share=sweep.warn_share,
            )
        )
