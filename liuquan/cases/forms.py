"""Forms of the applicant's pages and the console's case page.

Uploads are read and checked here (cases.files.check: type by extension and content, size), each error
on its own field and naming the file, so nothing is written unless the whole form is good.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from liuquan.cases import engine, files
from liuquan.cases.actions import is_head
from liuquan.core.errors import InvalidInput
from liuquan.flows.spec import TransitionKind
from liuquan.org.models import Person, Unit

Upload = tuple[str, str, bytes, str]  # (file name, material, data, content type) as the actions take it

ID_NUMBER = re.compile(r"^[0-9A-Za-z]{15}$|^[0-9A-Za-z]{18}$")  # 身份证 (15/18) or 统一社会信用代码 (18)
PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,30}$")
ACCEPTED = ".pdf,.jpg,.jpeg,.png,.ofd"
# Kinds of outcome that change the course of a case: the reason goes to the record (and for 补正, to
# the applicant, as the list of everything missing).
NEEDS_REASON = frozenset(
    {
        TransitionKind.CORRECTION,
        TransitionKind.REJECT,
        TransitionKind.RETURN,
        TransitionKind.TERMINATE,
        TransitionKind.EXTEND,
        TransitionKind.SUSPEND,
    }
)


def needs_approval(move: engine.Move) -> bool:
    """A 延期 that takes effect with this completion (not a request sent on to an approval step)."""
    return move.kind is TransitionKind.EXTEND and move.target == move.step


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files under one name (an empty list when none is required and none was sent)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            cleaned = [single(item, initial) for item in data if item]
            if not cleaned and self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return cleaned
        result = single(data, initial)
        return [result] if result else []


class UploadsMixin(forms.Form):
    """Reads the upload fields named in `materials` (field → material name) into `self.uploads`."""

    materials: dict[str, str] = {}
    uploads: list[Upload]

    def _read_uploads(self) -> None:
        self.uploads = []
        count = 0
        for name, material in self.materials.items():
            value = self.cleaned_data.get(name)
            chosen: list[UploadedFile] = value if isinstance(value, list) else ([value] if value else [])
            for upload in chosen:
                count += 1
                file_name = upload.name or "file"
                if (upload.size or 0) > files.MAX_BYTES:
                    self.add_error(
                        name,
                        _("%(name)s: larger than %(mb)s MB")
                        % {"name": file_name, "mb": files.MAX_BYTES // (1024 * 1024)},
                    )
                    continue
                data = upload.read()
                try:
                    content_type = files.check(file_name, data)
                except InvalidInput as exc:
                    self.add_error(name, exc.localized_message())
                    continue
                self.uploads.append((file_name, material, data, content_type))
        if count > files.MAX_FILES:
            self.add_error(None, _("At most %(count)s files at a time.") % {"count": files.MAX_FILES})


# The portal ----------------------------------------------------------------------------------------


class ApplyForm(UploadsMixin):
    applicant_name = forms.CharField(label=_("Applicant (person or organisation)"), max_length=100)
    id_number = forms.CharField(
        label=_("ID number or unified social credit code"),
        max_length=18,
        help_text=_("Kept private: never shown on a public page."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    subject = forms.CharField(
        label=_("What you apply for"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    application = forms.FileField(
        label=_("Application form (signed)"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED})
    )
    identity = MultipleFileField(label=_("Proof of identity"), required=False)
    other = MultipleFileField(label=_("Other materials"), required=False)

    materials = {"application": "申请书", "identity": "身份证明", "other": "其他材料"}

    def clean_id_number(self) -> str:
        value: str = self.cleaned_data["id_number"].strip().upper()
        if not ID_NUMBER.match(value):
            raise forms.ValidationError(
                _("Give the 18-character ID number or credit code (or an old 15-digit one).")
            )
        return value

    def clean_phone(self) -> str:
        value: str = self.cleaned_data["phone"].strip()
        if not PHONE.match(value):
            raise forms.ValidationError(_("Give a phone number we can call."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._read_uploads()
        return cleaned


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=40)
    code = forms.CharField(
        label=_("Query code"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class SupplementForm(UploadsMixin):
    note = forms.CharField(
        label=_("What you are sending"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    missing = MultipleFileField(label=_("Missing materials"), required=False)

    materials = {"missing": "补正材料"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._read_uploads()
        if not self.errors and not self.uploads and not cleaned.get("note", "").strip():
            self.add_error("missing", _("Upload the missing materials or say what you are sending."))
        return cleaned


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawForm(forms.Form):
    """撤回: the query code again and an explicit confirmation, so neither a borrowed session nor a slip
    of the mouse withdraws an application."""

    code = forms.CharField(
        label=_("Query code"),
        max_length=20,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("The query code you received when you applied."),
    )
    reason = forms.CharField(
        label=_("Why you withdraw (optional)"), required=False, max_length=300, widget=forms.TextInput()
    )
    confirm = forms.BooleanField(
        label=_("I withdraw this application; it cannot be undone."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the withdrawal.")},
    )


# The console -----------------------------------------------------------------------------------------


class CompleteForm(forms.Form):
    """Complete the current step with one of its outcomes.

    延期 (行政许可法 art. 42) needs a head of the unit. Where the flow sends a 延期 to an approval step
    (the licensing template's 延期审批, held by 负责人) the outcome here is only the request, and the
    head approves by completing that step from their own inbox. Where a 延期 takes effect at once (an
    extend transition back to the same step) a head must approve it here: a head submitting it approves
    it themselves; anyone else names a head, who enters their own password on the spot. The password is
    checked through the authentication backends, so django-axes counts failures and locks the account
    as it does at the login form, and it is never kept."""

    step = forms.CharField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"))
    comment = forms.CharField(
        label=_("Comment or reasons"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    approver = forms.ChoiceField(label=_("Approving head"), required=False)
    approver_password = forms.CharField(
        label=_("The approving head's password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(
        self,
        *args: Any,
        request: HttpRequest,
        actor: Person,
        unit: Unit,
        step: str,
        moves: list[engine.Move],
        heads: list[Person],
        **kwargs: Any,
    ) -> None:
        kwargs["initial"] = {"step": step}
        super().__init__(*args, **kwargs)
        self.request = request
        self.actor = actor
        self.unit = unit
        self.moves = {move.outcome: move for move in moves}
        self.heads = {str(person.pk): person for person in heads if person.pk != actor.pk}
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = [(move.outcome, move.label or move.outcome) for move in moves]
        approver = self.fields["approver"]
        assert isinstance(approver, forms.ChoiceField)
        approver.choices = [("", "—")] + [(key, person.full_name) for key, person in self.heads.items()]
        self.approved_by: Person | None = None
        self.actor_is_head = any(needs_approval(move) for move in moves) and is_head(actor, unit)

    @property
    def approval_outcomes(self) -> list[engine.Move]:
        """Outcomes that need a head's approval given here (none when the submitter is a head)."""
        if self.actor_is_head:
            return []
        return [move for move in self.moves.values() if needs_approval(move)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        move = self.moves.get(cleaned.get("outcome", ""))
        if move is None:
            return cleaned
        if move.kind in NEEDS_REASON and not cleaned.get("comment", "").strip():
            self.add_error(
                "comment",
                _("Give the reasons for “%(outcome)s” (for 补正: every missing item, at once).")
                % {"outcome": move.label or move.outcome},
            )
        if needs_approval(move):
            if self.actor_is_head:
                self.approved_by = self.actor
            else:
                self._check_approval(cleaned)
        return cleaned

    def _check_approval(self, cleaned: dict[str, Any]) -> None:
        head = self.heads.get(cleaned.get("approver") or "")
        password = cleaned.get("approver_password") or ""
        if head is None:
            self.add_error(
                "approver", _("An extension needs a head of the unit, other than you, to approve it.")
            )
            return
        if not password:
            self.add_error("approver_password", _("The approving head enters their password here."))
            return
        # Through the authentication backends, so django-axes counts failures and locks the account.
        user = authenticate(self.request, username=head.username, password=password)
        if user is None or user.pk != head.pk:
            self.add_error("approver_password", _("The approving head's password is not correct."))
            return
        if not is_head(head, self.unit):
            self.add_error("approver", _("%(name)s is not a head of this unit.") % {"name": head.full_name})
            return
        self.approved_by = head


class TerminateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for terminating"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply to the applicant"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
