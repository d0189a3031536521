"""Request limits and the ASGI middleware that enforces the body size (413) before parsing."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one request may carry.

    Attributes:
        max_body_bytes: a larger body is refused with 413 before it is read in full.
        max_texts: texts per request (422 beyond).
        max_text_chars: characters per text (422 beyond).
    """

    max_body_bytes: int = 1_000_000
    max_texts: int = 64
    max_text_chars: int = 4000


def error_body(status: int, code: str, message: str, **extra) -> dict:
    """The JSON of every error the API returns: ``{"error": {"status", "code", "message", ...}}``."""
    return {"error": {"status": status, "code": code, "message": message, **extra}}


class BodySizeLimit:
    """Pure ASGI middleware: 413 when Content-Length, or the bytes actually received, exceed a limit."""

    def __init__(self, app, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def _refuse(self, send) -> None:
        body = json.dumps(
            error_body(413, "body_too_large", f"request body is larger than {self.max_body_bytes} bytes")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(send)
            return
        received = 0
        refused = False

        async def counting_receive():
            # Past the limit: answer 413 now and tell the app the client left, so that it stops
            # reading; whatever it answers after that is dropped (see guarded_send).
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)
