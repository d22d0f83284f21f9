from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.selectors import user_info


def gridroom(request: HttpRequest) -> dict:
    context = {"SIGNUP_OPEN": settings.SIGNUP_OPEN}
    if request.user.is_authenticated:
        # What frontend/src/header.js needs (on every page); the sheet page adds "sheet-config".
        context["live_config"] = {
            "ws_path": "/ws/live/",
            "initial_state_url": reverse("api_initial_state"),
            "login_url": reverse("login"),
            "sheet_list_url": reverse("sheet_list"),
            "user": user_info(user=request.user),
        }
    return context
