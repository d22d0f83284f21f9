from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in users go to their sheets; newcomers see sign-up and log-in."""
    if request.user.is_authenticated:
        return redirect("sheet_list")
    return render(request, "home.html")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # The API answers JSON, never Django's HTML page: the grid shows the reason.
    if _is_api(request):
        return JsonResponse(
            {"error": "csrf_failed", "message": "CSRF check failed; reload the page."}, status=403
        )
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"error": "not_found", "message": "Not found."}, status=404)
    return render(request, "404.html", status=404)
