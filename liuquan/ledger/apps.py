from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "liuquan.ledger"
    label = "ledger"
    verbose_name = _("Public ledger")

    def ready(self) -> None:
        from django.core import checks

        checks.register(check_signing_key, checks.Tags.security)


def check_signing_key(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The checkpoint signing key must load and belong to LIUQUAN_LEDGER_ORIGIN (shown by `liuquan check`)."""
    from django.core.exceptions import ImproperlyConfigured

    from liuquan.ledger import tree
    from liuquan.ledger.note import NoteError

    try:
        tree.signer()
    except (ImproperlyConfigured, NoteError, OSError) as exc:
        return [Error(f"ledger signing key: {exc}", id="liuquan.E001")]
    return []
