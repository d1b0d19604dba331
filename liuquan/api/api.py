"""The JSON API, version 1: one NinjaAPI, a router per app, and the error contract.

Every refusal is {"error": "<code>", "message": "<中文说明>", "detail": {...}} with the HTTP status of
the DomainError (core/errors.py); request validation failures use the same shape with code "invalid".
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from liuquan import __version__
from liuquan.cases.api import router as cases_router
from liuquan.core.errors import DomainError, NotAuthenticated
from liuquan.decisions.api import router as decisions_router
from liuquan.flows.api import router as flows_router
from liuquan.ledger.api import router as ledger_router
from liuquan.org.api import router as org_router
from liuquan.powers.api import router as powers_router
from liuquan.supervision.api import router as supervision_router

ERROR_BODY = {
    "type": "object",
    "title": "Error",
    "description": "Every refusal: a stable machine code, a Chinese message, and what it concerns.",
    "properties": {
        "error": {"type": "string", "description": "invalid, not_authenticated, forbidden, not_found, …"},
        "message": {"type": "string", "description": "中文说明"},
        "detail": {"type": "object", "description": "the field, rule or record involved"},
    },
    "required": ["error", "message", "detail"],
}
REFUSALS = {
    "4XX": "Refused: 400 invalid input, 401 no valid login or token, 403 forbidden, 404 not found, "
    "405 method not allowed, 409 conflict with the current state, 422 a governance rule forbids it, "
    "429 too many attempts",
    "5XX": "The server failed (logged) or is misconfigured (503)",
}


class LiuquanAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document states the error contract on every operation."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_BODY
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for code, description in REFUSALS.items():
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                            },
                        },
                    )
        return schema


api = LiuquanAPI(
    title="liuquan API",
    version="1",
    description="六权治本 — organisation, power lists, cases, supervision and the public ledger. "
    "Authenticate machine clients with `Authorization: Bearer <token>` "
    "(`liuquan token create --user NAME`).",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
)
api.openapi_extra = {"info": {"x-liuquan-version": __version__}}


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_json(), status=exc.http_status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [".".join(str(part) for part in error.get("loc", ())) for error in exc.errors]
    body = {
        "error": "invalid",
        "message": "请求数据不合法：" + "，".join(fields),
        "detail": {"errors": exc.errors},
    }
    return api.create_response(request, body, status=400)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    refusal = NotAuthenticated("需要登录或提供有效的接口令牌（Authorization: Bearer …）")
    return api.create_response(request, refusal.as_json(), status=refusal.http_status)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    body = {"error": codes.get(exc.status_code, "error"), "message": str(exc), "detail": {}}
    return api.create_response(request, body, status=exc.status_code)


api.add_router("/", org_router)
api.add_router("/", ledger_router)
api.add_router("/", powers_router)
api.add_router("/", flows_router)
api.add_router("/", cases_router)
api.add_router("/", supervision_router)
api.add_router("/", decisions_router)
