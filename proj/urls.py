from django.contrib import admin
from django.urls import include, path

from proj import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("sheets.urls")),
]
handler404 = "proj.views.not_found"
