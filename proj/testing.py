"""Endpoints for tests that drive a running Gridroom over HTTP (the JS
convergence test, frontend/test/realserver.js): a user with a logged-in session,
and change-log retention on demand.

Routed only when GRIDROOM_TEST_ENDPOINTS is on, which settings refuse together
with GRIDROOM_PRODUCTION. They skip the CSRF check and log anyone in: never
expose them.
"""

import datetime
import json
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.services import user_signup
from sheets.models import Change
from sheets.services import change_log_prune


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": "invalid", "message": message}, status=400)


@csrf_exempt
@require_POST
def user_session(request: HttpRequest) -> JsonResponse:
    """A new user, logged in: the answer sets the session and CSRF cookies a
    browser would hold, and carries the token for the X-CSRFToken header."""
    username = _body(request).get("username")
    if not isinstance(username, str) or not username:
        return _bad("username must be a non-empty string.")
    user = user_signup(
        username=username, email=f"{username}@example.test", password=secrets.token_urlsafe()
    )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return JsonResponse(
        {"id": user.id, "username": user.get_username(), "csrf_token": get_token(request)}
    )


@csrf_exempt
@require_POST
def prune(request: HttpRequest) -> JsonResponse:
    """Retention (sheets/services/retention.py) run as if time had passed until
    change `seq` of sheet `sheet_id` was past keeping: its payload and those
    before it (older than CHANGE_LOG_KEEP_DAYS) or, with `records`, its op
    record and those before it (older than OP_RECORD_KEEP_DAYS). The newest
    CHANGE_LOG_KEEP_COUNT payloads of a sheet stay whatever their age."""
    body = _body(request)
    sheet_id, seq = body.get("sheet_id"), body.get("seq")
    if not isinstance(sheet_id, int) or not isinstance(seq, int):
        return _bad("sheet_id and seq must be integers.")
    change = Change.objects.filter(sheet_id=sheet_id, seq=seq).only("created_at").first()
    if change is None:  # never made, or its record is gone already
        return JsonResponse({"payloads_pruned": 0, "records_deleted": 0})
    days = settings.OP_RECORD_KEEP_DAYS if body.get("records") else settings.CHANGE_LOG_KEEP_DAYS
    now = change.created_at + datetime.timedelta(days=days, microseconds=1)
    return JsonResponse(change_log_prune(now=now))


urlpatterns = [
    path("users", user_session, name="test_user_session"),
    path("prune", prune, name="test_prune"),
]
