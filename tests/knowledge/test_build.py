"""The knowledge stage in a build: the demo graph through data and knowledge; the recipe keys."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from vertical.data import corpus_shards
from vertical.demo import DemoSize, write_finance_demo
from vertical.errors import RecipeError
from vertical.knowledge.entities import read_entities
from vertical.knowledge.spans import read_spans
from vertical.pipeline import plan_stages
from vertical.recipe import load_recipe
from vertical.run import RunDirectory, read_manifest

NS = "http://vertical.local/kg/"
# The demo's world and recipe with a small corpus: only data and knowledge run here.
SMALL = DemoSize("knowledge-test", documents=300, glossary_documents=100, pretrain_steps=1, finetune_epochs=1)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, tiny_model_dir):
    folder = tmp_path_factory.mktemp("demo")
    recipe = load_recipe(write_finance_demo(folder / "data", SMALL))
    # The tiny test model in place of MiniLM: planning checksums the base model, and only data
    # and knowledge run here.
    recipe = recipe.model_copy(update={"base_model": str(tiny_model_dir)})
    run = RunDirectory(folder / "runs" / recipe.name)
    stages = [stage for stage in plan_stages(recipe, run) if stage.name in ("data", "knowledge")]
    reports = [run.run_stage(stage) for stage in stages]
    return recipe, run, stages, reports


def test_knowledge_runs_after_data_and_before_tokenizer(demo_run):
    recipe, run, _, _ = demo_run
    names = [stage.name for stage in plan_stages(recipe, run)]
    assert names[:3] == ["data", "knowledge", "tokenizer"]


def test_demo_graph_gives_entities_spans_and_a_knowledge_corpus(demo_run):
    _, run, _, reports = demo_run
    knowledge = run.stage_dir("knowledge")
    metrics = reports[1].metrics
    assert metrics["triples"] > 1000 and metrics["entities"] == len(
        read_entities(knowledge / "entities.parquet")
    )
    entities = {e.id: e for e in read_entities(knowledge / "entities.parquet")}
    companies = [e for e in entities.values() if e.type == NS + "Company"]
    assert len(companies) >= 20

    spans = read_spans(knowledge / "spans.parquet")
    texts = {}
    for shard in corpus_shards(run.stage_dir("data"), "train") + corpus_shards(
        run.stage_dir("data"), "validation"
    ):
        table = pq.read_table(shard, columns=["id", "text"])
        texts.update(zip(table.column("id").to_pylist(), table.column("text").to_pylist(), strict=True))
    assert metrics["linking"]["mentions"] == len(spans) > len(texts)
    for span in spans[:500]:
        assert texts[span.document_id][span.start : span.end] == span.surface
        assert span.entity_id in entities
    company_mentions = sum(span.type == NS + "Company" for span in spans)
    assert company_mentions > 0.2 * len(spans)

    corpus = pq.read_table(corpus_shards(knowledge, "train")[0]).to_pylist()
    assert len(corpus) == metrics["knowledge_documents"] and corpus[0].keys() == {"id", "text", "source"}
    text = " ".join(row["text"] for row in corpus)
    assert " is a company in the " in text and " is headquartered in " in text


def test_second_run_is_skipped(demo_run):
    _, run, stages, reports = demo_run
    assert not reports[1].skipped
    assert run.run_stage(stages[1]).skipped
    assert read_manifest(run.stage_dir("knowledge"))["config"]["knowledge"]["link"] is True


def test_recipe_errors_name_the_line(tmp_path):
    (tmp_path / "corpus.jsonl").write_text('{"text": "hello"}\n')
    (tmp_path / "kg.csv").write_text("subject,predicate,object\nA,p,B\n")
    base = "name: x\ndata:\n  sources: [corpus.jsonl]\nknowledge:\n"
    cases = [
        ("  sources: [missing.csv]\n", "recipe.yaml:5: knowledge.sources[0].path: file not found"),
        (
            "  sources: [kg.csv]\n  templates:\n    p: {en: '{subj} is {object}'}\n",
            "unknown placeholder {subj}",
        ),
        ("  link: true\n", "recipe.yaml:4: knowledge: needs sources (graph files) or an endpoint"),
        ("  sources: [kg.csv]\n  linker: true\n", "recipe.yaml:6: knowledge.linker: unknown key"),
    ]
    for section, expected in cases:
        (tmp_path / "recipe.yaml").write_text(base + section)
        with pytest.raises(RecipeError) as error:
            load_recipe(tmp_path / "recipe.yaml")
        assert expected in str(error.value), str(error.value)


def test_pretraining_masks_the_mentions_the_knowledge_stage_linked(demo_run, tiny_model_dir, tmp_path):
    from transformers import AutoTokenizer

    from vertical.pretrain.corpus import tokenized_corpus
    from vertical.pretrain.entities import LinkedMentions

    _, run, _, _ = demo_run
    linked = LinkedMentions(run.stage_dir("knowledge") / "spans.parquet")
    assert linked.mentions > 0
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    shards = corpus_shards(run.stage_dir("data"), "train")
    dataset = tokenized_corpus(shards, tokenizer, 64, tmp_path / "cache", linked)
    first = pq.read_table(shards[0], columns=["id", "text"]).slice(0, 1).to_pylist()[0]
    spans = linked.spans(first["text"], first["id"])
    assert spans, "the first news document names its company"
    row = dataset[0]
    encoded = tokenizer(first["text"], truncation=True, max_length=64, return_offsets_mapping=True)
    in_mentions = [
        tokenizer.convert_ids_to_tokens(token)
        for token, mention in zip(encoded["input_ids"], row["entity_ids"], strict=True)
        if mention >= 0
    ]
    mentioned = " ".join(first["text"][start:end] for start, end in spans).lower()
    assert in_mentions and all(piece.removeprefix("##") in mentioned for piece in in_mentions)


def test_the_knowledge_objective_reads_entity_triples_from_the_stage(demo_run):
    from vertical.pretrain.objectives.knowledge import read_entity_triples

    _, run, _, _ = demo_run
    graph = read_entity_triples(run.stage_dir("knowledge"))
    names = {text for text in graph.texts}
    assert "banking" in names and len(graph.triples) > 100
    relation_names = {iri.rsplit("/", 1)[-1] for iri in graph.relations}
    assert {"sector", "headquarters"} <= relation_names and "ticker" not in relation_names  # tickers are text
    head, relation, tail = graph.triples[0]
    assert graph.texts[head] and graph.texts[tail] and 0 <= relation < len(graph.relations)


def test_pretraining_with_the_graph_loss_and_linked_mention_masking(demo_run, tiny_model_dir, tmp_path):
    from vertical.models import resolve_base_model
    from vertical.pretrain import continue_pretraining
    from vertical.recipe import PretrainConfig

    _, run, _, _ = demo_run
    cfg = PretrainConfig(
        steps=2,
        batch_size=4,
        max_length=32,
        precision="fp32",
        entity_probability=0.5,
        objectives={"mlm": 1.0, "knowledge": 0.5},
        triples_per_batch=4,
    )
    output = continue_pretraining(
        cfg,
        resolve_base_model(str(tiny_model_dir)),
        run.stage_dir("data"),
        tmp_path / "out",
        tmp_path / "work",
        seed=0,
        knowledge_dir=run.stage_dir("knowledge"),
    )
    assert output.metrics["steps"] == 2 and (tmp_path / "out" / "model" / "config.json").is_file()
