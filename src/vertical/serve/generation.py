"""``POST /v1/generate``: continue prompts with the decoder models of a run folder.

The route is served when the run holds decoder models (`vertical.generate.decoder_models`): the
domain-pretrained model, called ``pretrain``, and each generation task's model by the task's
name. A request names one (``model``; default: the only generation task, else ``pretrain``).
Keys work as for classification: a key limited to some tasks may call only those models.
Generation runs in a worker thread, one request at a time per model, so the event loop stays free.
"""

# No `from __future__ import annotations`: FastAPI must see the per-app request model, a local.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, model_validator
from starlette.concurrency import run_in_threadpool

from vertical.generate import PRETRAINED, TextGenerator
from vertical.serve.limits import Limits

MAX_NEW_TOKENS = 512


class Generation(BaseModel):
    """One prompt and what the model wrote after it."""

    prompt: str
    text: str = Field(description="the continuation, the prompt left out")


class GenerateResponse(BaseModel):
    model: str = Field(description="the model that wrote: pretrain or a generation task")
    results: list[Generation] = Field(description="one per prompt, in the order given")


class _OnePromptOrMany(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    @model_validator(mode="after")
    def _prompts(self) -> Any:
        if (self.prompt is None) == (self.prompts is None):  # type: ignore[attr-defined]
            raise ValueError("give `prompt` (one text) or `prompts` (a list), not both or neither")
        return self


def _request_model(limits: Limits) -> type[BaseModel]:
    # Built per app so the limits show in the OpenAPI schema and pydantic enforces them (422).
    text = Annotated[str, StringConstraints(min_length=1, max_length=limits.max_text_chars)]
    return create_model(
        "GenerateRequest",
        __base__=_OnePromptOrMany,
        prompt=(text | None, Field(None, description="a text to continue")),
        prompts=(
            list[text] | None,
            Field(None, min_length=1, max_length=limits.max_texts, description="texts to continue"),
        ),
        model=(str | None, Field(None, description="pretrain or a generation task; default: see the docs")),
        max_new_tokens=(int, Field(64, ge=1, le=MAX_NEW_TOKENS, description="the most tokens written")),
        temperature=(float, Field(0.8, ge=0.0, le=5.0, description="0: greedy; higher: freer")),
        top_p=(float, Field(0.95, gt=0.0, le=1.0, description="nucleus sampling probability mass")),
        seed=(int | None, Field(None, description="makes the sample repeatable")),
    )


def default_model(generators: dict[str, TextGenerator]) -> str | None:
    """The only generation task's model when there is exactly one, else the pretrained one."""
    tasks = sorted(set(generators) - {PRETRAINED})
    if len(tasks) == 1:
        return tasks[0]
    return PRETRAINED if PRETRAINED in generators else (tasks[0] if tasks else None)


def generation_router(
    generators: dict[str, TextGenerator], caller, limits: Limits, errors: dict[int, dict]
) -> APIRouter:
    """The router of ``POST /v1/generate``; `caller` is the app's key dependency (None: no auth)."""
    router = APIRouter()
    request_model = _request_model(limits)

    @router.post(
        "/v1/generate",
        response_model=GenerateResponse,
        tags=["models"],
        responses={status: errors[status] for status in (401, 403, 404, 422)},
    )
    async def generate(body: request_model, key: Annotated[Any, Depends(caller)]) -> GenerateResponse:  # type: ignore[valid-type]
        """Continue one prompt or a batch of prompts with a decoder model of the run."""
        if not generators:
            raise HTTPException(
                404, "this run has no decoder model; /v1/generate serves runs of GPT-2 family models"
            )
        name = body.model or default_model(generators)
        if key is not None and not key.allows(name):
            raise HTTPException(403, f"this key may not call model {name!r}")
        if name not in generators:
            raise HTTPException(
                404, f"no decoder model {name!r}; this run has {', '.join(sorted(generators))}"
            )
        prompts = [body.prompt] if body.prompt is not None else list(body.prompts)
        texts = await run_in_threadpool(
            generators[name].generate, prompts, body.max_new_tokens, body.temperature, body.top_p, body.seed
        )
        return GenerateResponse(
            model=name,
            results=[Generation(prompt=p, text=t) for p, t in zip(prompts, texts, strict=True)],
        )

    return router


def load_run_generators(run_dir) -> dict[str, TextGenerator]:
    """Every decoder model of a run folder, loaded, by name (empty for an encoder run)."""
    from vertical.generate import decoder_models, load_generator

    return {name: load_generator(path, name) for name, path in decoder_models(run_dir).items()}
