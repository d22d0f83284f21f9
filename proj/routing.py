from django.conf import settings
from django.urls import path

from sheets.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
    path("ws/sheet/<int:sheet_id>/", LiveConsumer.as_asgi()),
]

if settings.BENCH_RELAY:  # benchmarks only, never in production
    from bench.relay import RelayConsumer  # noqa: I001

    websocket_urlpatterns.append(path("ws/bench-relay/", RelayConsumer.as_asgi()))
