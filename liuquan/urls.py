from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from liuquan.api.api import api
from liuquan.core.views import healthz

admin.site.site_header = _("liuquan data administration")
admin.site.site_title = "liuquan"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("console/supervision/", include("liuquan.supervision.urls")),
    path("console/decisions/", include("liuquan.decisions.console_urls")),
    path("console/", include("liuquan.console.urls")),
    path("ledger/", include("liuquan.ledger.urls")),
    path("decisions/", include("liuquan.decisions.urls")),
    path("powers/", include("liuquan.flows.urls")),
    path("powers/", include("liuquan.powers.urls")),
    path("admin/", admin.site.urls),
    path("", include("liuquan.cases.urls")),
    path("", include("liuquan.portal.urls")),
]

handler404 = "liuquan.core.views.not_found"
handler500 = "liuquan.core.views.server_error"
handler403 = "liuquan.core.views.forbidden"
handler400 = "liuquan.core.views.bad_request"
