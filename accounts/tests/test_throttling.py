"""Login and sign-up throttling through the real views (accounts/throttling.py,
django-axes): a lockout says why and when to retry, expires after the
cool-off, and leaves other accounts and addresses alone."""

import itertools
import time
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

_addresses = itertools.count(1)


@pytest.fixture
def throttle(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.SIGNUP_THROTTLE_LIMIT = 2
    settings.SIGNUP_THROTTLE_WINDOW_SECONDS = 3600
    return settings


def address() -> str:
    """An address no other test (nor an earlier run sharing the cache) used."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{next(_addresses)}"


def client_at(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def log_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def assert_logged_in(response) -> None:
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == "/sheets/"


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "Too many failed logins for this account or from this address" in page
    assert "Try again in 15 minutes." in page
    assert "<form" in page and 'name="password"' in page  # the login page, not a bare 403
    assert "_auth_user_id" not in response.client.session


def fail(client: Client, username: str, times: int) -> None:
    """Wrong passwords: the form says so, until the one that reaches the limit
    is answered with the lockout."""
    for _ in range(times):
        assert log_in(client, username, "wrong-password").status_code in (200, 429)


def later(delta: timedelta) -> None:
    """As if `delta` had passed since every failed login recorded so far."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


def test_right_password_after_too_many_wrong_ones_is_refused_with_a_message(throttle, user):
    client = client_at(address())
    fail(client, "ann", 3)
    assert_locked_out(log_in(client, "ann", PASSWORD))
    # The session page the user would next open still asks for a login.
    assert client.get("/sheets/").status_code == 302


def test_lockout_expires_after_the_cool_off(throttle, user):
    client = client_at(address())
    fail(client, "ann", 3)
    assert AccessAttempt.objects.exists()
    later(timedelta(minutes=14))
    assert_locked_out(log_in(client, "ann", PASSWORD))
    # An attempt during the lockout starts the cool-off again: the message's
    # "15 minutes" is from the last attempt.
    later(timedelta(minutes=14))
    assert_locked_out(log_in(client, "ann", PASSWORD))
    later(timedelta(minutes=15, seconds=1))
    assert_logged_in(log_in(client, "ann", PASSWORD))


def test_an_account_is_locked_from_every_address(throttle, user, other_user):
    for _ in range(3):
        fail(client_at(address()), "ann", 1)
    assert_locked_out(log_in(client_at(address()), "ann", PASSWORD))
    # Another account from a fresh address is unaffected.
    assert_logged_in(log_in(client_at(address()), other_user.username, PASSWORD))


def test_an_address_is_locked_for_every_account(throttle, user, other_user, make_user):
    attacker = address()
    for name in ("nobody1", "nobody2", "nobody3"):
        fail(client_at(attacker), name, 1)
    assert_locked_out(log_in(client_at(attacker), other_user.username, PASSWORD))
    # The same account from another address is unaffected.
    assert_logged_in(log_in(client_at(address()), other_user.username, PASSWORD))


def test_a_successful_login_forgets_earlier_failures(throttle, user):
    client = client_at(address())
    fail(client, "ann", 2)
    assert_logged_in(log_in(client, "ann", PASSWORD))
    client.post("/accounts/logout/")
    fail(client, "ann", 2)
    assert_logged_in(log_in(client, "ann", PASSWORD))


def test_behind_a_proxy_the_address_is_the_proxys_x_real_ip(throttle, user, other_user):
    throttle.BEHIND_PROXY = True
    nginx = address()
    attacker, bystander = address(), address()
    for name in ("nobody1", "nobody2", "nobody3"):
        fail(Client(REMOTE_ADDR=nginx, HTTP_X_REAL_IP=attacker), name, 1)
    locked = Client(REMOTE_ADDR=nginx, HTTP_X_REAL_IP=attacker)
    assert_locked_out(log_in(locked, other_user.username, PASSWORD))
    ok = Client(REMOTE_ADDR=nginx, HTTP_X_REAL_IP=bystander)
    assert_logged_in(log_in(ok, other_user.username, PASSWORD))


def test_without_a_proxy_a_forged_x_real_ip_changes_nothing(throttle, user, other_user):
    attacker = address()
    for n, name in enumerate(("nobody1", "nobody2", "nobody3")):
        forged = Client(REMOTE_ADDR=attacker, HTTP_X_REAL_IP=f"192.0.2.{n}")
        fail(forged, name, 1)
    forged = Client(REMOTE_ADDR=attacker, HTTP_X_REAL_IP="192.0.2.99")
    assert_locked_out(log_in(forged, other_user.username, PASSWORD))


# --- Sign-up


def sign_up(client: Client, username: str):
    return client.post(
        "/accounts/signup/",
        {"username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


def test_sign_ups_from_one_address_are_throttled_with_a_message(throttle):
    from django.contrib.auth import get_user_model

    ip = address()
    assert sign_up(client_at(ip), "first").status_code == 302
    assert sign_up(client_at(ip), "second").status_code == 302
    refused = sign_up(client_at(ip), "third")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert 'role="alert"' in page and "Too many sign-ups from this address" in page
    assert "Try again in 60 minutes." in page
    assert 'name="password1"' in page
    assert not get_user_model().objects.filter(username="third").exists()
    # Another address may sign up.
    assert sign_up(client_at(address()), "fourth").status_code == 302


def test_sign_ups_are_allowed_again_after_the_window(throttle, monkeypatch):
    # The in-memory cache's clock can be moved; Redis keeps its own.
    throttle.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ip = address()
    sign_up(client_at(ip), "first")
    sign_up(client_at(ip), "second")
    assert sign_up(client_at(ip), "third").status_code == 429
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3601)
    assert sign_up(client_at(ip), "third").status_code == 302


def test_a_failed_sign_up_counts_too(throttle, user):
    ip = address()
    assert sign_up(client_at(ip), "ann").status_code == 200  # taken
    assert sign_up(client_at(ip), "ann").status_code == 200
    assert sign_up(client_at(ip), "new-name").status_code == 429
