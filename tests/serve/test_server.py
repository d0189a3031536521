"""`vertical serve` and `vertical keys` settings: refused combinations give one-line errors (exit 2)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from vertical.cli import app
from vertical.errors import VerticalError
from vertical.serve.keys import KeyFileError, add_key, hash_key, read_keys
from vertical.serve.server import ServeSettings, check_settings, is_loopback

runner = CliRunner()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("127.1.2.3", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_no_auth_is_refused_off_loopback(tmp_path):
    with pytest.raises(VerticalError, match="--no-auth is allowed only on a loopback host"):
        check_settings(ServeSettings(tmp_path, host="0.0.0.0", no_auth=True))
    assert check_settings(ServeSettings(tmp_path, host="127.0.0.1", no_auth=True)) is None


def test_keys_are_required_without_no_auth(tmp_path):
    with pytest.raises(VerticalError, match="--keys FILE is required"):
        check_settings(ServeSettings(tmp_path))


def test_cli_serve_no_auth_on_all_interfaces_exits_2_with_one_line(tmp_path):
    result = runner.invoke(app, ["serve", str(tmp_path), "--host", "0.0.0.0", "--no-auth"])
    assert result.exit_code == 2
    assert "--no-auth is allowed only on a loopback host" in result.output


def test_cli_serve_a_folder_without_models_exits_2(tmp_path):
    result = runner.invoke(app, ["serve", str(tmp_path), "--no-auth"])
    assert result.exit_code == 2 and "no fine-tuned task to serve" in result.output


def test_cli_serve_unknown_variant_exits_2(tmp_path):
    result = runner.invoke(app, ["serve", str(tmp_path), "--no-auth", "--variant", "fp4"])
    assert result.exit_code == 2 and "--variant fp4" in result.output


def test_keys_add_prints_the_key_once_and_stores_its_hash(tmp_path):
    path = tmp_path / "keys.json"
    result = runner.invoke(app, ["keys", "add", str(path), "--name", "bank", "--task", "sector"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("vk_") and key not in path.read_text()
    stored = read_keys(path).find(key)
    assert stored is not None and stored.sha256 == hash_key(key) and stored.tasks == ("sector",)
    assert stored.allows("sector") and not stored.allows("sentiment")
    again = runner.invoke(app, ["keys", "add", str(path), "--name", "bank"])
    assert again.exit_code == 2 and "exists already" in again.output


def test_read_keys_names_the_bad_entry(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text('{"keys": [{"name": "a", "sha256": "abc"}]}')
    with pytest.raises(KeyFileError, match=r"keys\[0\]\.sha256: expected 64 hex digits"):
        read_keys(path)
    path.write_text('{"keys": [\n oops]}')
    with pytest.raises(KeyFileError, match=r"keys.json:2: not valid JSON"):
        read_keys(path)
    add_key(tmp_path / "new.json", "x")
    assert read_keys(tmp_path / "new.json").find("vk_wrong") is None


def test_settings_travel_to_workers_as_json(tmp_path):
    from vertical.serve.generation_limits import GenerationLimits
    from vertical.serve.limits import Limits

    settings = ServeSettings(
        tmp_path / "run",
        port=9000,
        variant="onnx-int8",
        keys_file=tmp_path / "k.json",
        limits=Limits(10, 2, 3),
        redact=True,
        kg_timeout_s=4.0,
        workers=3,
        generation=GenerationLimits(100, 20, 2, 3, 9.5),
        sparql_endpoint="http://kg.internal:7878/query",
    )
    assert ServeSettings.from_json(settings.to_json()) == settings
    assert ServeSettings.from_json(ServeSettings(tmp_path).to_json()) == ServeSettings(tmp_path)


def test_cli_serve_zero_workers_exits_2(tmp_path):
    result = runner.invoke(app, ["serve", str(tmp_path), "--no-auth", "--workers", "0"])
    assert result.exit_code == 2 and "--workers 0" in result.output


@pytest.mark.parametrize(
    ("option", "value"), [("--max-generations", "0"), ("--max-queued", "-1"), ("--generation-timeout", "0")]
)
def test_cli_serve_bad_chat_limits_exit_2(tmp_path, option, value):
    result = CliRunner().invoke(app, ["serve", str(tmp_path), "--no-auth", option, value])
    assert result.exit_code == 2 and option in result.output
