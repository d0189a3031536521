"""The retrieve stage in a build: the index of the vertical encoder and of the general one, incremental."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from vertical.cli import app
from vertical.retrieve.index import load_index


def _project(folder, model_dir, encoder: str | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as handle:
        for n in range(12):
            handle.write(
                json.dumps({"text": f"The lender {n} raised deposits and cut mortgage rates in town {n}."})
                + "\n"
            )
    retrieve = f"{{passage_words: 8, passage_overlap: 2{', encoder: ' + encoder if encoder else ''}}}"
    (folder / "recipe.yaml").write_text(
        f"name: r\nbase_model: {model_dir}\ndata: {{sources: [corpus.jsonl], min_chars: 5}}\n"
        f"pretrain: {{steps: 2, batch_size: 4, max_length: 32, save_steps: 2}}\nretrieve: {retrieve}\n",
        encoding="utf-8",
    )
    return folder / "recipe.yaml"


def _run(recipe, runs):
    result = CliRunner().invoke(app, ["run", str(recipe), "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    return json.loads((runs / "r" / "retrieve" / "manifest.json").read_text())["metrics"]


def test_the_stage_indexes_the_corpus_with_the_vertical_and_the_general_encoder(tiny_model_dir, tmp_path):
    recipe = _project(tmp_path / "p", tiny_model_dir)
    metrics = _run(recipe, tmp_path / "runs")
    run_dir = tmp_path / "runs" / "r"
    vertical, general = (
        load_index(run_dir / "retrieve" / "index"),
        load_index(run_dir / "retrieve" / "general-index"),
    )
    assert vertical.identity["encoder_dir"] == str((run_dir / "pretrain" / "model").resolve())
    assert general.identity["encoder_dir"] == str(tiny_model_dir.resolve())
    assert len(vertical) == len(general) == metrics["index"]["passages"] > metrics["documents"] > 0
    assert vertical.identity["encoder_sha256"] != general.identity["encoder_sha256"]
    # `vertical serve` on the run: the index's encoder embeds (an encoder run has no chat model)
    import httpx
    import numpy as np

    from tests.serve.live import LiveServer
    from vertical.retrieve.run_index import load_run_retriever
    from vertical.serve.server import ServeSettings, build_app

    with LiveServer(build_app(ServeSettings(run_dir, no_auth=True))) as url:
        listed = httpx.get(url + "/v1/models").json()["data"]
        embedded = httpx.post(url + "/v1/embeddings", json={"input": ["lender deposits"]}).json()
        chat = httpx.post(
            url + "/v1/chat/completions", json={"model": "x", "messages": [{"role": "user", "content": "q"}]}
        )
    assert [m["id"] for m in listed] == ["encoder"] and chat.status_code == 404
    expected = load_run_retriever(run_dir).encoder.embed(["lender deposits"])[0]
    np.testing.assert_allclose(embedded["data"][0]["embedding"], expected, atol=1e-6)


def test_a_new_document_is_embedded_alone_when_the_encoder_is_unchanged(tiny_model_dir, tmp_path):
    recipe = _project(tmp_path / "p", tiny_model_dir, encoder=str(tiny_model_dir))
    first = _run(recipe, tmp_path / "runs")["index"]
    assert first["passages_embedded"] == first["passages"] and "general_index" not in first
    with open(tmp_path / "p" / "corpus.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": "A brand new chipmaker opened a wafer fab."}) + "\n")
    second = _run(recipe, tmp_path / "runs")["index"]
    assert second["passages_embedded"] == 1 and second["passages"] == first["passages"] + 1
    assert second["passages_reused"] == first["passages"]


def test_retrieve_add_grows_the_index_and_a_rebuild_keeps_what_was_added(tiny_model_dir, tmp_path):
    recipe = _project(tmp_path / "p", tiny_model_dir, encoder=str(tiny_model_dir))
    first = _run(recipe, tmp_path / "runs")["index"]
    run_dir = tmp_path / "runs" / "r"
    extra = tmp_path / "faq.jsonl"
    extra.write_text(
        json.dumps({"text": "Refunds of card fees take five working days."}) + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["retrieve", "add", str(run_dir), str(extra)])
    assert result.exit_code == 0, result.output
    assert "added 1 documents (1 passages embedded)" in result.output
    found = CliRunner().invoke(
        app, ["retrieve", "search", str(run_dir), "Refunds of card fees take five working days."]
    )
    assert found.exit_code == 0 and found.output.startswith(
        "[1] Refunds of card fees take five working days."
    )
    with open(tmp_path / "p" / "corpus.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": "A brand new chipmaker opened a wafer fab."}) + "\n")
    again = _run(recipe, tmp_path / "runs")["index"]
    assert again["passages"] == first["passages"] + 2 and again["passages_embedded"] == 1
    missing = CliRunner().invoke(app, ["retrieve", "add", str(tmp_path / "nowhere"), str(extra)])
    assert missing.exit_code == 2 and "no passage index" in missing.output


def test_an_adapted_encoder_is_saved_in_the_stage_and_indexes_against_itself_unadapted(
    tiny_model_dir, tmp_path
):
    from vertical.retrieve.run_index import load_run_retriever

    adapt = "adapt: {steps: 3, batch_size: 4, span_tokens: 16}"
    recipe = _project(tmp_path / "p", tiny_model_dir, encoder=f"{tiny_model_dir}, {adapt}")
    metrics = _run(recipe, tmp_path / "runs")
    run_dir = tmp_path / "runs" / "r"
    vertical = load_index(run_dir / "retrieve" / "index")
    general = load_index(run_dir / "retrieve" / "general-index")
    # the adapted folder is found relative to the index, wherever the run folder was renamed to
    assert vertical.identity["encoder_dir"] == "../encoder" and metrics["adapt"]["steps"] == 3
    assert general.identity["encoder_dir"] == str(tiny_model_dir.resolve())
    assert vertical.identity["encoder_sha256"] != general.identity["encoder_sha256"]
    retriever = load_run_retriever(run_dir)
    assert retriever.encoder.model_dir.resolve() == (run_dir / "retrieve" / "encoder").resolve()
    assert retriever.passages(["lender deposits"], 2)[0]


def test_the_adaptation_is_in_the_stage_fingerprint_and_reads_the_graph_when_there_is_one(
    tiny_model_dir, tmp_path
):
    from vertical.pipeline import build_context
    from vertical.recipe import load_recipe
    from vertical.retrieve.declaration import DECLARATION

    recipe_path = _project(tmp_path / "p", tiny_model_dir, encoder=f"{tiny_model_dir}, adapt: {{steps: 3}}")
    recipe = load_recipe(recipe_path)
    config = DECLARATION.config(build_context(recipe, tmp_path / "runs" / "r"))
    assert config["retrieve"]["adapt"]["steps"] == 3 and config["seed"] == recipe.seed
    assert DECLARATION.reads(recipe) == ("data", "pretrain")  # no knowledge stage: no names to rename
    (tmp_path / "p" / "kg.csv").write_text("subject,predicate,object\nAcme,ticker,ACM\n", encoding="utf-8")
    with open(recipe_path, "a", encoding="utf-8") as handle:
        handle.write(
            "knowledge: {sources: [kg.csv], literal_predicates: [ticker], alias_predicates: [ticker]}\n"
        )
    assert DECLARATION.reads(load_recipe(recipe_path)) == ("data", "knowledge", "pretrain")
