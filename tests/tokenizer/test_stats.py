import json

from transformers import AutoTokenizer
from typer.testing import CliRunner

from vertical.cli import app
from vertical.tokenizer.stats import count_words, tokenization_stats


def test_stats_match_a_hand_count(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    texts = ["EBITDA rose", "营收增长"]
    tokens = [tokenizer.tokenize(t) for t in texts]
    stats = tokenization_stats(tokenizer, texts)
    assert count_words("EBITDA rose") == 2 and count_words("营收增长") == 4
    assert stats["fertility"] == round(sum(map(len, tokens)) / 6, 4)
    unknown = sum(piece == "[UNK]" for pieces in tokens for piece in pieces)
    assert stats["unk_rate"] == round(unknown / sum(map(len, tokens)), 6)
    assert stats["mean_tokens_per_line"] == round(sum(map(len, tokens)) / 2, 2)


def test_cli_stats_reads_stdin_and_prints_json(tiny_model_dir):
    result = CliRunner().invoke(
        app, ["tokenizer", "stats", "--tokenizer", str(tiny_model_dir)], input="EBITDA rose\n\n营收增长\n"
    )
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["lines"] == 2 and stats["unk_rate"] > 0 and stats["fertility"] > 1


def test_cli_stats_names_a_bad_folder_in_one_line(tmp_path):
    result = CliRunner().invoke(app, ["tokenizer", "stats", "--tokenizer", str(tmp_path)], input="x\n")
    assert result.exit_code == 2
    assert str(tmp_path) in result.output and "Traceback" not in result.output
