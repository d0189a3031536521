"""Pure ASGI middleware counting requests by route and status and timing them (for /metrics).

Starlette's ``@app.middleware("http")`` (BaseHTTPMiddleware) wraps every request in extra tasks
and streams; measured on the load test it cost more per request than this whole class, so the
count and the timing are taken here, at the ASGI level, from the response's start message.
"""

from __future__ import annotations

import time


class RequestMetrics:
    """Counts each HTTP request in `requests_total` (route, status) and observes its time in `latency`."""

    def __init__(self, app, requests_total, latency) -> None:
        self.app = app
        self.requests_total = requests_total
        self.latency = latency

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before starting a response

        async def send_and_note(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            # the router writes the matched route into this same scope dict
            route = getattr(scope.get("route"), "path", "unmatched")
            self.requests_total.labels(route, str(status)).inc()
            self.latency.labels(route).observe(time.perf_counter() - started)
