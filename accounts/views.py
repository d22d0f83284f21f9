from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import trigger_client_event

from accounts import selectors, services, throttling
from accounts.forms import ProfileForm, SignupForm


def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_OPEN:
        raise Http404("Sign-up is closed")
    if request.user.is_authenticated:
        return redirect("sheet_list")
    if request.method == "POST":
        wait = throttling.signup_wait(request)
        if wait is not None:
            message = (
                f"Too many sign-ups from this address. Try again in {throttling.wait_words(wait)}."
            )
            context = {"form": SignupForm(), "throttled": message}
            return render(request, "registration/signup.html", context, status=429)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_signup(
            username=form.cleaned_data["username"],
            email=form.cleaned_data.get("email") or "",
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("sheet_list")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    current = selectors.profile_for(user=request.user)
    form = ProfileForm(request.POST or None, instance=current)
    saved = False
    if request.method == "POST" and form.is_valid():
        profile = services.profile_update(
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            colour=form.cleaned_data["colour"],
            time_zone=form.cleaned_data["time_zone"],
            date_order=form.cleaned_data["date_order"] or None,
            decimal_mark=form.cleaned_data["decimal_mark"] or None,
        )
        saved = True
        form = ProfileForm(
            instance=profile
        )  # as saved (a zone typed "europe/paris" is Europe/Paris)
        if not request.htmx:
            return redirect("profile")
    template = "accounts/profile.html#profile-form" if request.htmx else "accounts/profile.html"
    response = render(request, template, {"form": form, "saved": saved})
    return trigger_client_event(response, "profileSaved") if saved else response
