import json

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from vertical.evaluate.scoring import compare_predictions, score_predictions
from vertical.finetune.generation import ResponseCollator, encode_example, train_generator
from vertical.recipe import TaskConfig
from vertical.records import GenerationExample


def test_labels_cover_the_response_and_eos_only(tiny_gpt2_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt2_dir)
    example = GenerationExample("Question: which sector is the lender in? Answer:", "banking.")
    ids, labels = encode_example(tokenizer, example, 64, tokenizer.eos_token_id)
    prompt = tokenizer(example.prompt, add_special_tokens=False)["input_ids"]
    response = tokenizer(" banking.", add_special_tokens=False)["input_ids"]
    assert ids == prompt + response + [tokenizer.eos_token_id]
    assert labels == [-100] * len(prompt) + response + [tokenizer.eos_token_id]
    assert tokenizer.decode(ids[len(prompt) :], skip_special_tokens=True).strip() == "banking."


def test_truncation_keeps_the_response_and_the_end_of_the_prompt(tiny_gpt2_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt2_dir)
    example = GenerationExample("Markets closed higher " * 20 + "Answer:", "banking.")
    ids, labels = encode_example(tokenizer, example, 16, tokenizer.eos_token_id)
    assert len(ids) == 16 and ids[-1] == tokenizer.eos_token_id
    response = tokenizer(" banking.", add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    assert [label for label in labels if label != -100] == response


def test_loss_is_on_the_response_only(tiny_gpt2_dir):
    """Changing a prompt token changes the inputs, never the targets: the loss the model computes
    equals a cross-entropy over the response positions alone."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt2_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir)
    ids, labels = encode_example(
        tokenizer, GenerationExample("The lender 3 raised", "deposits."), 64, tokenizer.eos_token_id
    )
    batch = ResponseCollator(tokenizer.pad_token_id)([{"input_ids": ids, "labels": labels}])
    output = model(**batch)
    logits = output.logits[0, :-1]  # (T-1, V): position t predicts token t+1
    targets = torch.tensor(ids[1:])
    scored = torch.tensor(labels[1:]) != -100
    reference = torch.nn.functional.cross_entropy(logits[scored], targets[scored])
    assert scored.sum() == len([label for label in labels if label != -100])
    assert torch.allclose(output.loss, reference, atol=1e-5)


def test_generator_training_lowers_response_perplexity(tiny_gpt2_dir, tmp_path):
    data = tmp_path / "qa.jsonl"
    sectors = ["banking", "chips", "energy", "retail"]
    data.write_text(
        "".join(
            json.dumps({"question": f"Question: which sector is firm {i}? Answer:", "answer": sectors[i % 4]})
            + "\n"
            for i in range(48)
        )
    )
    task = TaskConfig(
        name="qa", type="generation", data=str(data), prompt_column="question", response_column="answer",
        epochs=4, batch_size=8, learning_rate=5e-3, max_length=32,
    )  # fmt: skip
    from vertical.finetune.task_data import load_task_data

    train, test, labels = load_task_data(task)
    assert labels == [] and len(train) + len(test) == 48
    predictions, curve = train_generator(
        task, tiny_gpt2_dir, train, test, labels, tmp_path / "model", tmp_path / "work", 0, "fp32"
    )
    assert curve and predictions.task_type == "generation" and len(predictions.samples) == min(5, len(test))
    record = predictions.__dict__
    scores = score_predictions(record)
    vocabulary = len(AutoTokenizer.from_pretrained(tiny_gpt2_dir))
    assert 1.0 < scores["perplexity"] < vocabulary / 4  # learnt: far from a uniform guess
    assert 0.0 <= scores["token_accuracy"] <= 1.0
    assert AutoModelForCausalLM.from_pretrained(tmp_path / "model").config.model_type == "gpt2"
    worse = dict(record, nll=[value + 1.0 for value in record["nll"]])
    paired = {p.metric: p for p in compare_predictions(worse, record, samples=200)}
    assert paired["perplexity"].difference < 0 and paired["token_accuracy"].difference == 0
