"""Text that cannot be stored (a lone surrogate, NUL) in a sign-up's username
or a profile's display name: refused with words that say why, and nobody and
nothing is changed. A form post cannot carry a lone surrogate (invalid UTF-8
in a form reads as U+FFFD), so that case binds the forms directly, as any
other caller of them would."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model

from accounts.forms import ProfileForm, SignupForm
from accounts.models import Profile
from proj.text import LONE_SURROGATE

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
PASSWORDS = {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}


def profile_of(user) -> tuple[str, str, str]:
    profile = Profile.objects.get(user=user)
    return profile.display_name, profile.colour, profile.time_zone


@pytest.mark.parametrize("username", ["carol\x00", "\x00", "ca\x00rol"])
def test_a_signup_with_nul_in_the_username_creates_nobody(client, user, username):
    response = client.post("/accounts/signup/", {"username": username, **PASSWORDS})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert b"Null characters are not allowed" in response.content
    assert get_user_model().objects.count() == 1
    assert SESSION_KEY not in client.session
    ok = client.post("/accounts/signup/", {"username": "carol", **PASSWORDS})
    assert ok.status_code == 302 and get_user_model().objects.count() == 2


def test_a_signup_with_an_encoded_surrogate_reads_as_replacement_characters(client, user):
    body = "username=carol%ED%A0%80&password1=a-long-pass-phrase&password2=a-long-pass-phrase"
    response = client.post(
        "/accounts/signup/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert b"Enter a valid username" in response.content
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize("username", ["carol\ud800", "\udfff"])
def test_the_signup_form_refuses_a_lone_surrogate_before_asking_the_database(
    user, username, django_assert_num_queries
):
    form = SignupForm({"username": username, **PASSWORDS})
    with django_assert_num_queries(0):
        assert not form.is_valid()
    assert f"A username may not contain {LONE_SURROGATE}." in form.errors["username"]
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize("name", ["Ann\x00", "\x00"])
def test_a_display_name_with_nul_is_refused_and_nothing_changes(auth_client, user, name):
    before = profile_of(user)
    form = {"display_name": name, "colour": "#123456", "time_zone": "Europe/Paris"}
    for extra in ({}, HX):
        response = auth_client.post("/accounts/profile/", form, **extra)
        assert response.status_code == 200
        assert b"Null characters are not allowed" in response.content
        assert "profileSaved" not in response.get("HX-Trigger", "")
    assert profile_of(user) == before
    ok = auth_client.post("/accounts/profile/", {**form, "display_name": "Ann B"}, **HX)
    assert ok.status_code == 200 and profile_of(user)[0] == "Ann B"


def test_the_profile_form_refuses_a_lone_surrogate(user):
    before = profile_of(user)
    data = {"display_name": "Ann\ud800", "colour": "#123456", "time_zone": "UTC"}
    form = ProfileForm(data, instance=Profile.objects.get(user=user))
    assert not form.is_valid()
    assert form.errors["display_name"] == [f"A display name may not contain {LONE_SURROGATE}."]
    assert profile_of(user) == before
