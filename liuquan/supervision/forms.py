"""Forms of the supervision centre's console pages: the alert filters, the handling of one alert (assign,
dismiss, confirm, 处置, close) and a rule's settings. They only shape input; the actions decide."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liuquan.org.models import Person
from liuquan.powers.models import Responsibility
from liuquan.supervision import catalog, rules
from liuquan.supervision.models import AlertLevel, AlertStatus, SanctionKind
from liuquan.supervision.queries import ACTIVE


class ChoicesWidget(forms.CheckboxSelectMultiple):
    """Checkboxes that keep their natural size inside a stacked form."""

    def __init__(self) -> None:
        super().__init__(attrs={"class": "choice"})


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)

    def __init__(self, data: Any, *, units: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self._set(
            "status",
            [("", _("All")), (ACTIVE, _("Not ended")), *AlertStatus.choices],
        )
        self._set("level", [("", _("All")), *AlertLevel.choices])
        self._set(
            "rule",
            [
                ("", _("All")),
                *((name, f"{name}：{rule.description[:20]}") for name, rule in rules.REGISTRY.items()),
            ],
        )
        self._set("unit", [("", _("All")), *units])

    def _set(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> dict[str, str]:
        """The filters given. A value not offered (a stale link, a unit with no alerts) still filters, so
        it matches nothing rather than showing everything."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        given = {name: str(self.data.get(name, ""))[:60] for name in self.fields}
        return {name: cleaned.get(name) or value for name, value in given.items() if value}


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Check by"), coerce=int)

    def __init__(self, *args: Any, supervisors: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (person.pk, f"{person.full_name}（{person.unit.name if person.unit else '—'}）")
            for person in supervisors
        ]
        self.people = {person.pk: person for person in supervisors}

    def chosen(self) -> Person:
        return self.people[self.cleaned_data["assignee"]]


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for dismissing"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ConfirmForm(forms.Form):
    finding = forms.CharField(
        label=_("What the check found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class DisposeForm(forms.Form):
    """处置: the measure, the decision, the 责任清单 line and the people it makes answerable."""

    kind = forms.ChoiceField(label=_("Measure"), choices=SanctionKind.choices)
    responsibility = forms.TypedChoiceField(
        label=_("Responsibility list line"), coerce=int, widget=forms.RadioSelect(attrs={"class": "choice"})
    )
    people = forms.TypedMultipleChoiceField(label=_("People answerable"), coerce=int, widget=ChoicesWidget())
    text = forms.CharField(
        label=_("Disposal decision"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args: Any, lines: list[Responsibility], staff: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {line.pk: line for line in lines}
        self.staff = {person.pk: person for person in staff}
        responsibility = self.fields["responsibility"]
        assert isinstance(responsibility, forms.TypedChoiceField)
        responsibility.choices = [(line.pk, line.stage or line.content[:20]) for line in lines]
        # Alerts about no case (an oversight exception) have no list to cite.
        responsibility.required = bool(lines)
        people = self.fields["people"]
        assert isinstance(people, forms.TypedMultipleChoiceField)
        people.choices = [(person.pk, person.full_name or person.username) for person in staff]

    def chosen_line(self) -> Responsibility | None:
        chosen = self.cleaned_data.get("responsibility")
        return self.lines.get(chosen) if chosen else None

    def people_chosen(self) -> list[Person]:
        return [self.staff[pk] for pk in self.cleaned_data["people"]]


class AnswerForm(forms.Form):
    """申辩: the unit's answer to a confirmed alert."""

    text = forms.CharField(
        label=_("The unit's statement and defence"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )


class CloseForm(forms.Form):
    text = forms.CharField(
        label=_("Closing note (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


def _param_field(name: str, default: Any) -> forms.Field:
    label = catalog.param_name(name)
    if isinstance(default, bool):
        return forms.BooleanField(label=label, required=False)
    if isinstance(default, int):
        return forms.IntegerField(label=label)
    if isinstance(default, float):
        return forms.FloatField(label=label)
    return forms.CharField(label=label, max_length=40)


class RuleForm(forms.Form):
    """One rule's switch and parameters (one field per parameter, typed by its default), and the reason."""

    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    note = forms.CharField(
        label=_("Reason for the change"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data: Any = None, *, rule: str, current: dict[str, Any]) -> None:
        defaults = rules.REGISTRY[rule].defaults
        initial = {"enabled": current["enabled"], **{f"param_{k}": v for k, v in current["params"].items()}}
        super().__init__(data, prefix=rule, initial=initial)
        self.rule = rule
        self.param_names = list(defaults)
        for name, default in defaults.items():
            self.fields[f"param_{name}"] = _param_field(name, default)
        self.order_fields(["enabled", *(f"param_{name}" for name in defaults), "note"])

    def params(self) -> dict[str, Any]:
        values = {}
        for name in self.param_names:
            value = self.cleaned_data[f"param_{name}"]
            if isinstance(value, str):
                value = value.strip()
                if isinstance(rules.REGISTRY[self.rule].defaults[name], str) and ":" in value:
                    value = _clock(value)
            values[name] = value
        return values


def _clock(value: str) -> str:
    """ "7:00" → "07:00" (the stored form of a clock time); left alone when it is not one."""
    try:
        return time.fromisoformat(value.zfill(5)).strftime("%H:%M")
    except ValueError:
        return value
