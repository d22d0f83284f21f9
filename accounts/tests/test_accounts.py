"""Sign-up, log-in/out and the profile page (plain and HTMX)."""

import importlib
import json
import re

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session

from accounts import realtime, selectors, services
from accounts.models import Profile

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def labels(response) -> dict[str, str]:
    """{field id: label text} of a rendered form."""
    found = re.findall(r'<label for="([^"]+)"[^>]*>(.*?)</label>', response.content.decode(), re.S)
    return {field: text.strip().rstrip(":") for field, text in found}


# --- Sign-up


def test_signup_page_labels_its_fields(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    found = labels(response)
    assert found["id_username"] == "Username"
    assert found["id_password1"] == "Password"
    assert found["id_password2"] == "Password confirmation"


def test_signup_creates_user_with_profile_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "carol", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/sheets/"
    user = get_user_model().objects.get(username="carol")
    profile = Profile.objects.get(user=user)
    assert profile.display_name == "carol"
    assert re.fullmatch(r"#[0-9a-f]{6}", profile.colour)
    assert profile.time_zone == "UTC"
    assert client.session[SESSION_KEY] == str(user.id)


@pytest.mark.parametrize(
    "form",
    [
        {"username": "carol", "password1": "a-long-pass-phrase", "password2": "different-phrase"},
        {"username": "carol", "password1": "123", "password2": "123"},
        {"username": "", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
        {"username": "ann", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
    ],
)
def test_invalid_signup_shows_errors_and_creates_nobody(client, user, form):
    response = client.post("/accounts/signup/", form)
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert get_user_model().objects.count() == 1
    assert SESSION_KEY not in client.session


def test_closed_signup_is_404(client, settings):
    settings.SIGNUP_OPEN = False
    assert client.get("/accounts/signup/").status_code == 404
    response = client.post(
        "/accounts/signup/",
        {"username": "carol", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
    )
    assert response.status_code == 404
    assert not get_user_model().objects.exists()
    assert b"/accounts/signup/" not in client.get("/").content


def test_signed_in_user_is_sent_from_signup_to_the_list(auth_client):
    response = auth_client.get("/accounts/signup/")
    assert response.status_code == 302
    assert response["Location"] == "/sheets/"


# --- Log in and out


def test_login_with_password(client, user):
    page = client.get("/accounts/login/")
    assert labels(page)["id_username"] == "Username"
    response = client.post(
        "/accounts/login/", {"username": "ann", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/sheets/"
    assert client.session[SESSION_KEY] == str(user.id)


def test_logout_ends_the_session_and_tells_its_sockets(auth_client, user, sent):
    session_key = auth_client.session.session_key
    response = auth_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    assert sent == [
        (
            realtime.user_group(user.id),
            {
                "event": realtime.session_ended("logged_out"),
                "close_code": realtime.CLOSE_UNAUTHENTICATED,
                "session": realtime.session_tag(session_key),
            },
        )
    ]


def test_api_after_logout_is_401(auth_client):
    auth_client.post("/accounts/logout/")
    response = auth_client.get("/api/initial_state")
    assert response.status_code == 401
    assert not response.has_header("Location")
    assert response.json()["error"] == "unauthenticated"
    assert response.json()["message"]


# --- Profile


def test_profile_page_needs_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_page_shows_labelled_form(auth_client):
    response = auth_client.get("/accounts/profile/")
    assert response.status_code == 200
    found = labels(response)
    assert found["id_display_name"] == "Display name"
    assert found["id_colour"] == "Colour"
    assert found["id_time_zone"] == "Time zone"


def _profile_form(**overrides) -> dict:
    return {
        "display_name": "Ann B.",
        "colour": "#AA00FF",
        "time_zone": "Europe/Paris",
        "date_order": "DMY",
        "decimal_mark": "comma",
        **overrides,
    }


def test_profile_saved_with_htmx_returns_the_partial_and_broadcasts(
    auth_client, user, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post("/accounts/profile/", _profile_form(), **HX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="profile-form"' in response.content
    assert b"Profile saved." in response.content
    assert "profileSaved" in json.loads(response["HX-Trigger"])
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.colour, profile.time_zone) == (
        "Ann B.",
        "#aa00ff",
        "Europe/Paris",
    )
    assert sent == [
        (
            realtime.user_group(user.id),
            {
                "event": {
                    "type": "profile.updated",
                    "user": {
                        "id": user.id,
                        "username": "ann",
                        "display_name": "Ann B.",
                        "colour": "#aa00ff",
                        "time_zone": "Europe/Paris",
                    },
                },
                "close_code": None,
                # Names this change: one socket per sheet announces it (presence.updated).
                "change": sent[0][1]["change"],
            },
        )
    ]
    assert len(sent[0][1]["change"]) == 32


def test_profile_saved_with_plain_post_redirects(auth_client, user):
    response = auth_client.post("/accounts/profile/", _profile_form())
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert Profile.objects.get(user=user).display_name == "Ann B."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("colour", "red", "A colour is written #rrggbb."),
        ("colour", "#12345", "A colour is written #rrggbb."),
        ("colour", "#12345g", "A colour is written #rrggbb."),
        ("time_zone", "Mars/Olympus_Mons", "Choose a time zone from the list"),
        ("date_order", "YDM", "Select a valid choice."),
        ("decimal_mark", "dot", "Select a valid choice."),
        ("time_zone", "", "This field is required."),
        ("display_name", "   ", ""),
        ("display_name", "", ""),
    ],
)
def test_invalid_profile_is_shown_in_the_partial_and_not_saved(
    auth_client, user, sent, django_capture_on_commit_callbacks, field, value, message
):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post("/accounts/profile/", _profile_form(**{field: value}), **HX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"errorlist" in response.content
    assert message.encode() in response.content
    assert not response.has_header("HX-Trigger")
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.colour, profile.time_zone) == (
        "ann",
        services.default_colour(user.id),
        "UTC",
    )
    assert sent == []


def test_profile_is_made_for_users_created_elsewhere(auth_client):
    admin = get_user_model().objects.create_user(username="root", password="x")
    profile = selectors.profile_for(user=admin)
    assert profile.display_name == "root"
    assert Profile.objects.filter(user=admin).count() == 1
    assert selectors.profile_for(user=admin).pk == profile.pk


def test_profile_update_broadcasts_only_after_commit(
    user, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.profile_update(user=user, display_name="Z", colour="#000000", time_zone="UTC")
    assert sent == []
    assert callbacks, "nothing was left for the commit"
    for callback in callbacks:
        callback()
    assert [message["event"]["type"] for _, message in sent] == ["profile.updated"]


def test_every_way_of_making_a_user_makes_their_profile():
    admin = get_user_model().objects.create_superuser(username="root2", password="x")
    profile = Profile.objects.get(user=admin)
    assert (profile.display_name, profile.colour) == ("root2", services.default_colour(admin.id))


def test_the_migration_makes_the_profiles_that_are_missing(make_user):
    ann, bob = make_user("ann2"), make_user("bob2")
    Profile.objects.filter(user=ann).delete()
    kept = Profile.objects.get(user=bob).pk
    migration = importlib.import_module("accounts.migrations.0002_profile_for_every_user")
    migration.make_missing_profiles(apps, None)
    assert Profile.objects.get(user=ann).display_name == "ann2"
    assert Profile.objects.get(user=bob).pk == kept


# --- How the user types dates and numbers, and the time zone picker


def test_profile_saves_how_the_user_types_dates_and_numbers(auth_client, user):
    response = auth_client.post("/accounts/profile/", _profile_form(), **HX)
    assert b"Profile saved." in response.content
    profile = Profile.objects.get(user=user)
    assert (profile.date_order, profile.decimal_mark) == ("DMY", "comma")


def test_new_profiles_follow_the_browser_for_dates_and_numbers(user):
    profile = selectors.profile_for(user=user)
    assert (profile.date_order, profile.decimal_mark) == ("auto", "auto")


def test_profile_page_labels_the_input_preferences_and_lists_time_zones(auth_client):
    response = auth_client.get("/accounts/profile/")
    found = labels(response)
    assert found["id_date_order"] == "Dates in cells"
    assert found["id_decimal_mark"] == "Decimal mark in cells"
    html = response.content.decode()
    assert re.search(r'<input[^>]*list="time-zones"[^>]*id="id_time_zone"', html)
    options = re.findall(r'<datalist id="time-zones">(.*?)</datalist>', html, re.S)
    assert len(options) == 1
    assert '<option value="Europe/Paris">' in options[0]
    assert options[0].count("<option") > 300


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("America/New York", "America/New_York"), ("europe/paris", "Europe/Paris"), (" UTC ", "UTC")],
)
def test_a_time_zone_typed_with_spaces_or_in_other_case_is_the_listed_zone(
    auth_client, user, typed, stored
):
    response = auth_client.post("/accounts/profile/", _profile_form(time_zone=typed))
    assert response.status_code == 302
    assert Profile.objects.get(user=user).time_zone == stored


def test_profile_update_refuses_unknown_input_preferences_and_changes_nothing(user):
    for bad in ({"date_order": "YDM"}, {"decimal_mark": "dot"}):
        with pytest.raises(ValueError):
            services.profile_update(
                user=user, display_name="Z", colour="#000000", time_zone="UTC", **bad
            )
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.date_order, profile.decimal_mark) == (
        "ann",
        "auto",
        "auto",
    )
