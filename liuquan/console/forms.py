from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liuquan.org.models import Leadership


class OversightForm(forms.Form):
    leader = forms.ModelChoiceField(queryset=Leadership.objects.none(), label=_("Leader"), empty_label=None)
    area = forms.CharField(label=_("Area of work"), max_length=60)
    exception_reason = forms.CharField(
        label=_("Exception reason (only for a restricted area of the principal)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, leaders: list[Leadership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["leader"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Leadership.objects.filter(pk__in=[row.pk for row in leaders]).select_related(
            "person"
        )
        field.label_from_instance = lambda row: f"{row.person.full_name}（{row.title}）"  # type: ignore[method-assign,assignment]
