from __future__ import annotations

from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and `make run`."""
    vendor = "postgresql" if connection.vendor == "postgresql" else connection.vendor
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": vendor}, status=503)
    return JsonResponse({"status": "ok", "database": vendor})


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: the API's JSON error contract under /api/, the site's own page everywhere else."""
    if _api(request):
        return JsonResponse(
            {
                "error": "not_found",
                "message": f"没有这个接口或记录：{request.path}",
                "detail": {"path": request.path},
            },
            status=404,
        )
    return render(request, "core/not_found.html", {"path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: said in the reader's terms; the traceback goes to the server's log, never to the page. The
    page uses no context processor or database, which may be what failed."""
    if _api(request):
        body = {"error": "server_error", "message": "服务器内部错误，已记入日志，请稍后再试", "detail": {}}
        return JsonResponse(body, status=500)
    return HttpResponse(
        loader.get_template("core/server_error.html").render({}), status=500, content_type="text/html"
    )


def _refusal(request: HttpRequest, status: int, code: str, chinese: str, page_text: str) -> HttpResponse:
    """The API's error contract (its messages are Chinese), or the site's page in the reader's language."""
    if _api(request):
        return JsonResponse({"error": code, "message": chinese, "detail": {}}, status=status)
    return render(request, "core/domain_error.html", {"message": page_text}, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 outside the domain's own refusals (which say more): in the reader's terms, never Django's."""
    return _refusal(request, 403, "forbidden", "无权访问此页面", _("You may not open this page."))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _refusal(
        request,
        400,
        "invalid",
        "请求无法处理，请检查后重试",
        _("The request could not be handled; check it and try again."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its page's security token (an old tab, a blocked cookie, another site)."""
    return _refusal(
        request,
        403,
        "csrf_failed",
        "页面已过期或未通过安全校验：请刷新页面后重新提交（需允许本站 Cookie）",
        _(
            "The page has expired or failed its security check: reload it and send the form again (this site's cookies must be allowed)."
        ),
    )
