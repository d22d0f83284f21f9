from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from proj import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("sheets.urls")),
]
if settings.TEST_ENDPOINTS:  # tests that drive a running server, never in production
    urlpatterns += [path("test/", include("proj.testing"))]
handler404 = "proj.views.not_found"
