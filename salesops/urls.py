from __future__ import annotations

from importlib.util import find_spec

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from org import views as org_views
from org.api import TokenLoginView
from salesops import pwa

# Each domain app may bring pages (<app>/urls.py, namespace = app) and API routes (<app>/api_urls.py).
DOMAIN_APPS = ("org", "targets", "visits", "meetings", "reports")

# The page scripts' strings (static/js) sit in the project catalogue (LOCALE_PATHS), which the catalogue view
# always reads; naming one app keeps the admin's scripts' strings out. It changes only with a deployment, so
# browsers keep it ten minutes (its address names the language: base.html) and then revalidate it against the
# process start; a phone going from page to page does not wait a round trip for it each time.
STARTED = timezone.now()
javascript_catalog = cache_control(private=True, max_age=600)(
    last_modified(lambda request, **kwargs: STARTED)(JavaScriptCatalog.as_view(packages=["org"]))
)

api_patterns = [path("auth/token/", TokenLoginView.as_view(), name="api-token")]
page_patterns = []
for app in DOMAIN_APPS:
    if find_spec(f"{app}.api_urls"):
        api_patterns.append(path("", include(f"{app}.api_urls")))
    if find_spec(f"{app}.urls"):
        page_patterns.append(path("", include(f"{app}.urls", namespace=app)))

urlpatterns = [
    path("", org_views.home, name="home"),
    path("healthz/", org_views.healthz, name="healthz"),
    path("sw.js", org_views.service_worker, name="service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("offline/", pwa.offline, name="offline"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its initialiser as a script of its own: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/v1/", include(api_patterns)),
    *page_patterns,
]

handler403 = "org.views.permission_denied"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
