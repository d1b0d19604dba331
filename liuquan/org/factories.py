"""factory_boy factories for org records; each creates through the real action, so tests exercise the
same write path (and journal) as production. Test-only: imported by tests, never by the application."""

from __future__ import annotations

from typing import Any

import factory

from liuquan.org import actions
from liuquan.org.models import Person, Unit


class ActionFactory(factory.Factory):  # type: ignore[type-arg]
    """Base: `_create` calls `do_create` with the system steward as the acting person."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        return cls.do_create(actor=actions.system_person(), **kwargs)

    @classmethod
    def do_create(cls, *, actor: Person, **kwargs: Any) -> Any:
        raise NotImplementedError


class UnitFactory(ActionFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"140700-F{n:03d}")
    name = factory.Sequence(lambda n: f"晋中市测试局{n}")
    short_name = factory.Sequence(lambda n: f"测试局{n}")
    kind = "government_department"

    @classmethod
    def do_create(cls, *, actor: Person, **kwargs: Any) -> Unit:
        return actions.do_create_unit(actor=actor, **kwargs)


class PersonFactory(ActionFactory):
    class Meta:
        model = Person

    username = factory.Sequence(lambda n: f"staff{n}")
    full_name = factory.Sequence(lambda n: f"测试人员{n}")
    unit = None

    @classmethod
    def do_create(cls, *, actor: Person, **kwargs: Any) -> Person:
        return actions.do_create_person(actor=actor, **kwargs)
