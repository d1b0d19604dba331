from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liuquan.org.models import Leadership
from liuquan.powers.models import PowerCategory
from liuquan.powers.states import DispositionKind, Move, WithdrawCause

DISPOSITION_CHOICES = [
    (DispositionKind.KEEP.value, _("Keep (保留)")),
    (DispositionKind.DELEGATE.value, _("Delegate down (下放)")),
    (DispositionKind.MERGE.value, _("Merge (合并)")),
    (DispositionKind.CANCEL.value, _("Cancel (取消)")),
    (DispositionKind.TRANSFER.value, _("Transfer (划转)")),
    (DispositionKind.INTERNAL.value, _("Internal matter (转内部事项)")),
    (DispositionKind.RECLASSIFY.value, _("Change category (变更类别)")),
    (DispositionKind.NO_SUBITEMS.value, _("No separate sub-items (不再分列子项)")),
    (DispositionKind.WITHDRAW.value, _("Withdraw (撤下)")),
]
WITHDRAW_CHOICES = [
    ("", "—"),
    (WithdrawCause.NO_LEGAL_BASIS.value, _("No legal basis in a higher law")),
    (WithdrawCause.NOT_ADMINISTRATIVE_POWER.value, _("Not an administrative power")),
    (WithdrawCause.SERVICE_FEE.value, _("A service fee")),
]


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


class MoveForm(forms.Form):
    move = forms.ChoiceField(choices=[(move.value, move.value) for move in Move])
    comment = forms.CharField(
        label=_("Review comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))


class DispositionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Disposition"), choices=DISPOSITION_CHOICES)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    target_level = forms.CharField(label=_("Delegated to level"), required=False, max_length=60)
    target_code = forms.CharField(label=_("Merged into item (code)"), required=False, max_length=40)
    target_unit = forms.CharField(label=_("Transferred to unit (code)"), required=False, max_length=40)
    new_category = forms.ChoiceField(
        label=_("New category"), required=False, choices=[("", "—"), *PowerCategory.choices]
    )
    withdraw_cause = forms.ChoiceField(
        label=_("Cause of withdrawal"), required=False, choices=WITHDRAW_CHOICES
    )


class RemainingForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Disposition"),
        choices=[row for row in DISPOSITION_CHOICES if row[0] in {"keep", "cancel", "internal"}],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
