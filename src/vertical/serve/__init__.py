"""Serve a run folder's models over HTTP: FastAPI app, API keys, micro-batching, playground page."""

from vertical.serve.server import ServeSettings, build_app, serve

__all__ = ["ServeSettings", "build_app", "serve"]
