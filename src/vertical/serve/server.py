"""`vertical serve`: check the settings, load the run folder's models, and run uvicorn.

Authentication is on unless ``--no-auth``, which is refused for any address but loopback: a
server without keys must not be reachable from another machine.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from pathlib import Path

from vertical.compress.variants import VARIANTS
from vertical.errors import VerticalError
from vertical.serve.keys import KeyStore, read_keys
from vertical.serve.limits import Limits

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeSettings:
    """Everything `vertical serve` was told.

    Attributes:
        run_dir: the run folder whose models are served (runs/<name>).
        host: address to listen on; 127.0.0.1 keeps it on this machine.
        port: TCP port.
        variant: full, int8, onnx or onnx-int8 (the onnx ones need the compress stage).
        keys_file: JSON file of hashed API keys (vertical keys add); required unless no_auth.
        no_auth: serve without keys; allowed only on a loopback host.
        limits: request size limits.
        max_batch_texts: largest micro-batch a model runs.
        max_wait_ms: how long a request may wait for others to join its batch.
    """

    run_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    variant: str = "full"
    keys_file: Path | None = None
    no_auth: bool = False
    limits: Limits = Limits()
    max_batch_texts: int = 64
    max_wait_ms: float = 2.0


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_settings(settings: ServeSettings) -> KeyStore | None:
    """The key store the settings call for (None with --no-auth); a bad combination raises VerticalError."""
    if settings.variant not in VARIANTS:
        raise VerticalError(f"--variant {settings.variant}: choose one of {', '.join(VARIANTS)}")
    if settings.no_auth:
        if not is_loopback(settings.host):
            raise VerticalError(
                "--no-auth is allowed only on a loopback host (127.0.0.1, ::1, localhost), "
                f"not {settings.host}; give --keys FILE to serve other machines"
            )
        if settings.keys_file is not None:
            raise VerticalError("give either --keys or --no-auth, not both")
        return None
    if settings.keys_file is None:
        raise VerticalError(
            "--keys FILE is required (make one with `vertical keys add FILE --name NAME`), "
            "or --no-auth on 127.0.0.1"
        )
    keys = read_keys(settings.keys_file)
    if not keys.keys:
        raise VerticalError(f"{settings.keys_file}: holds no key; add one with `vertical keys add`")
    return keys


def build_app(settings: ServeSettings):
    """The FastAPI app the settings describe, models loaded."""
    from vertical.serve.app import create_app
    from vertical.serve.generation import load_run_generators
    from vertical.serve.registry import classification_tasks, load_run_classifiers

    keys = check_settings(settings)
    generators = load_run_generators(settings.run_dir) if settings.run_dir.is_dir() else {}
    classifiers = {}
    if classification_tasks(settings.run_dir) or not generators:  # raises when there is nothing to serve
        classifiers = load_run_classifiers(settings.run_dir, settings.variant)
    return create_app(
        classifiers, keys, settings.limits, settings.max_batch_texts, settings.max_wait_ms, generators
    )


def serve(settings: ServeSettings) -> None:
    """Run the API until interrupted."""
    import uvicorn

    app = build_app(settings)
    log.info("serving %s on http://%s:%d (playground at /)", settings.run_dir, settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
