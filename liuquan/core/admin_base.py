"""Django admin whose saves go through actions: the form's clean() runs the check, save runs the do_*."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect

from liuquan.core.errors import DomainError

M = TypeVar("M", bound=models.Model)


class ActionAdmin(admin.ModelAdmin[M], Generic[M]):
    """Subclasses implement `perform(actor, obj, data, change)`, which calls one action and returns the
    saved object. Domain refusals become form errors on the named field; deletion is not offered."""

    def perform(self, *, actor: Any, obj: M | None, data: dict[str, Any], change: bool) -> M:
        raise NotImplementedError

    def get_form(
        self, request: HttpRequest, obj: M | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[M]]:
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ActionForm(base):  # type: ignore[valid-type,misc]
            def _post_clean(self) -> None:
                # Skip ModelForm's model validation and instance update: the action validates and writes.
                self._validate_unique = False

            def clean(self) -> dict[str, Any]:
                data: dict[str, Any] = super().clean()
                if self.errors:
                    return data
                try:
                    self._liuquan_saved = model_admin.perform(
                        actor=request.user, obj=obj, data=data, change=change
                    )
                except DomainError as exc:
                    field = exc.detail.get("field")
                    key = field if isinstance(field, str) and field in self.fields else "__all__"
                    raise ValidationError({key: exc.localized_message()}) from None
                return data

        return ActionForm

    @method_decorator(csrf_protect)
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # ModelAdmin wraps this view in transaction.atomic; actions open their own durable transaction.
        response: HttpResponse = self._changeform_view(  # type: ignore[attr-defined]
            request, object_id, form_url, extra_context
        )
        return response

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> M:
        saved: M = form._liuquan_saved
        return saved

    def save_model(self, request: HttpRequest, obj: M, form: Any, change: bool) -> None:
        """Already saved by the action run in the form's clean()."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """No related objects are edited inline."""

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin[M], Generic[M]):
    """Journals and logs: visible to stewards, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False
