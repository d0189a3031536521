"""`vertical serve`: check the settings, load the run folder's models, and run uvicorn.

Authentication is on unless ``--no-auth``, which is refused for any address but loopback: a
server without keys must not be reachable from another machine.

With ``--workers N`` uvicorn starts N processes that share the port; each builds its own app
(models loaded once per process) from the settings, which the parent hands over in the
environment variable ``VERTICAL_SERVE_SETTINGS`` (JSON): uvicorn's workers call a factory by
import path and take no arguments.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from vertical.compress.variants import VARIANTS
from vertical.errors import VerticalError
from vertical.serve.generation_limits import GenerationLimits
from vertical.serve.keys import KeyStore, read_keys
from vertical.serve.limits import Limits

log = logging.getLogger(__name__)

SETTINGS_VARIABLE = "VERTICAL_SERVE_SETTINGS"


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
        redact: replace personal data in the texts and entity strings sent back.
        kg_timeout_s: the longest a SPARQL query may run (a request may ask for less).
        kg_max_rows: the most rows (solutions or triples) a SPARQL answer may have.
        kg_max_bytes: the largest a serialised SPARQL answer may be.
        allow_service: SPARQL endpoints a query's SERVICE clause may call (none: federation refused).
        workers: server processes sharing the port, each with its own copy of the models.
        generation: token, queue and time limits of chat and completions.
        sparql_endpoint: a remote SPARQL endpoint for the graph facts of grounded answers.
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
    redact: bool = False
    kg_timeout_s: float = 10.0
    kg_max_rows: int = 10_000
    kg_max_bytes: int = 10_000_000
    allow_service: tuple[str, ...] = ()
    workers: int = 1
    generation: GenerationLimits = GenerationLimits()
    sparql_endpoint: str | None = None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> ServeSettings:
        fields = json.loads(text)
        fields["limits"] = Limits(**fields["limits"])
        fields["allow_service"] = tuple(fields.get("allow_service", ()))
        fields["generation"] = GenerationLimits(**fields["generation"])
        for name in ("run_dir", "keys_file"):
            fields[name] = Path(fields[name]) if fields[name] is not None else None
        return cls(**fields)


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
    if settings.workers < 1:
        raise VerticalError(f"--workers {settings.workers}: give 1 or more")
    if settings.kg_max_rows < 1 or settings.kg_max_bytes < 1:
        raise VerticalError("--kg-max-rows and --kg-max-bytes: give 1 or more")
    for endpoint in settings.allow_service:
        if not endpoint.startswith(("http://", "https://")):
            raise VerticalError(f"--allow-service {endpoint}: give the endpoint's full http(s) URL")
    limits = settings.generation
    for option, value, least in (
        ("--max-prompt-tokens", limits.max_prompt_tokens, 1),
        ("--max-output-tokens", limits.max_output_tokens, 1),
        ("--max-generations", limits.max_concurrent, 1),
        ("--max-queued", limits.max_queued, 0),
    ):
        if value < least:
            raise VerticalError(f"{option} {value}: give {least} or more")
    if limits.timeout_s <= 0:
        raise VerticalError(f"--generation-timeout {limits.timeout_s:g}: give a positive number of seconds")
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
    from vertical.knowledge.sparql_results import AnswerLimits
    from vertical.retrieve.run_index import load_run_retriever
    from vertical.serve.app import create_app
    from vertical.serve.chat import ChatService, load_run_encoder
    from vertical.serve.generation import load_run_generators
    from vertical.serve.graph import load_run_graph
    from vertical.serve.redaction import Redactor
    from vertical.serve.registry import load_run_classifiers, load_run_taggers

    keys = check_settings(settings)
    generators = load_run_generators(settings.run_dir) if settings.run_dir.is_dir() else {}
    taggers = load_run_taggers(settings.run_dir, settings.variant)
    graph = load_run_graph(
        settings.run_dir,
        settings.kg_timeout_s,
        AnswerLimits(settings.kg_max_rows, settings.kg_max_bytes),
        settings.allow_service,
    )
    retriever = load_run_retriever(settings.run_dir, settings.sparql_endpoint, settings.kg_timeout_s)
    classifiers = load_run_classifiers(
        settings.run_dir, settings.variant, required=not (taggers or generators or graph or retriever)
    )
    encoder = retriever.encoder if retriever is not None else load_run_encoder(settings.run_dir)
    chat = ChatService(generators, encoder, retriever, settings.generation, Redactor(settings.redact))
    return create_app(
        classifiers,
        keys,
        settings.limits,
        settings.max_batch_texts,
        settings.max_wait_ms,
        taggers=taggers,
        graph=graph,
        redact=settings.redact,
        generators=generators,
        chat=chat,
    )


def app_from_environment():
    """The app of the settings in ``VERTICAL_SERVE_SETTINGS``: the factory each uvicorn worker calls."""
    return build_app(ServeSettings.from_json(os.environ[SETTINGS_VARIABLE]))


def serve(settings: ServeSettings) -> None:
    """Run the API until interrupted."""
    import uvicorn

    common = {"host": settings.host, "port": settings.port, "log_level": "warning", "access_log": False}
    if settings.workers == 1:
        app = build_app(settings)
        log.info(
            "serving %s on http://%s:%d (playground at /)", settings.run_dir, settings.host, settings.port
        )
        uvicorn.run(app, **common)
        return
    check_settings(settings)  # a bad setting fails here, once, not in every worker
    os.environ[SETTINGS_VARIABLE] = settings.to_json()
    log.info(
        "serving %s on http://%s:%d with %d workers",
        settings.run_dir,
        settings.host,
        settings.port,
        settings.workers,
    )
    uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=settings.workers, **common)
