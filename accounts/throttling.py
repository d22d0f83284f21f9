"""Login and sign-up throttling (docs/operations.md).

Logins: django-axes counts failed logins per account and per address and
refuses further attempts of either for a cool-off (settings AXES_*). This
module gives it the client's address and the page a locked-out user sees.

Sign-ups: a sign-up is not a failed login, so axes does not count it. A
fixed window per address in Django's cache does (Redis in production, shared
by every process; the in-memory cache of the embedded default's one process).
"""

import math
import time

from axes.helpers import get_client_ip_address, get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The client's address (AXES_CLIENT_IP_CALLABLE). Behind nginx every
    request comes from nginx, which puts the client's address in X-Real-IP,
    replacing any a client sent; without a proxy that header is anyone's, so
    only the connection's own address counts."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def wait_words(seconds: float) -> str:
    """`seconds` as a person would say how long to wait."""
    minutes = math.ceil(seconds / 60)
    if minutes <= 1:
        return "a minute"
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


def login_locked_out(request: HttpRequest, *_args) -> HttpResponse:
    """The login page again, saying why and when to retry (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    message = (
        "Too many failed logins for this account or from this address. "
        f"Try again in {wait_words(cool_off.total_seconds())}."
    )
    username = request.POST.get("username", "")[:150]
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "throttled": message, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


def _signup_keys(request: HttpRequest) -> tuple[str, str]:
    address = get_client_ip_address(request)
    return f"signup-throttle:{address}:count", f"signup-throttle:{address}:since"


def signup_wait(request: HttpRequest) -> float | None:
    """Count this sign-up attempt from the client's address: None if it may
    go ahead, else the seconds until the address may try again."""
    count_key, since_key = _signup_keys(request)
    window = settings.SIGNUP_THROTTLE_WINDOW_SECONDS
    if cache.add(since_key, time.time(), timeout=window):
        cache.set(count_key, 0, timeout=window)
    try:
        count = cache.incr(count_key)
    except ValueError:  # the window ended between the two keys
        cache.set(count_key, 1, timeout=window)
        count = 1
    if count <= settings.SIGNUP_THROTTLE_LIMIT:
        return None
    since = cache.get(since_key) or time.time()
    return max(1.0, since + window - time.time())


def signup_throttle_reset(request: HttpRequest) -> None:
    """Forget the client's sign-up attempts (tests, and an operator's shell)."""
    cache.delete_many(_signup_keys(request))
