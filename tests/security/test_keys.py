"""Keys: [] is no task; a rewrite keeps unknown fields, mode and symlinks; /metrics is scoped."""

from __future__ import annotations

import json
import os
import stat

import httpx
import pytest
from typer.testing import CliRunner

from tests.serve.live import LiveServer
from vertical.cli import app as cli_app
from vertical.serve.app import create_app
from vertical.serve.graph import load_run_graph
from vertical.serve.keys import add_key, hash_key, read_keys

RESTRICTED = {
    "name": "nobody",
    "sha256": hash_key("vk_nobody"),
    "tasks": [],
    "owner": "ops",
    "expires": "2027-01-01",
}


def _write(path, entries, **top) -> None:
    path.write_text(json.dumps({"keys": entries, **top}), encoding="utf-8")


def test_an_empty_task_list_allows_nothing_and_survives_a_rewrite(tmp_path):
    path = tmp_path / "keys.json"
    _write(path, [RESTRICTED])
    key = read_keys(path).find("vk_nobody")
    assert key is not None and key.tasks == () and not key.allows("sector") and not key.allows("kg")
    result = CliRunner().invoke(cli_app, ["keys", "add", str(path), "--name", "analyst", "--task", "sector"])
    assert result.exit_code == 0, result.output
    stored = json.loads(path.read_text())["keys"]
    assert stored[0] == RESTRICTED  # tasks still [], owner and expires kept
    assert stored[1]["tasks"] == ["sector"]
    assert not read_keys(path).find("vk_nobody").allows("sector")


def test_unknown_top_level_fields_are_kept(tmp_path):
    path = tmp_path / "keys.json"
    _write(path, [RESTRICTED], version=2, rotation={"every_days": 90})
    add_key(path, "second")
    data = json.loads(path.read_text())
    assert data["version"] == 2 and data["rotation"] == {"every_days": 90} and len(data["keys"]) == 2


def test_mode_and_symlink_are_preserved(tmp_path):
    secret_dir = tmp_path / "secrets"
    secret_dir.mkdir()
    target = secret_dir / "keys.json"
    _write(target, [RESTRICTED])
    os.chmod(target, 0o640)
    link = tmp_path / "keys.json"
    link.symlink_to(target)
    add_key(link, "second")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert len(json.loads(target.read_text())["keys"]) == 2
    assert [p.name for p in secret_dir.iterdir()] == ["keys.json"]  # no temporary file left


def test_a_new_keys_file_is_private(tmp_path):
    path = tmp_path / "new.json"
    add_key(path, "first")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.fixture(scope="module")
def scoped_server(graph_run_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    keys = {
        "kg": add_key(path, "kg-only", ["kg"]),
        "metrics": add_key(path, "scraper", ["metrics"]),
        "metrics_kg": add_key(path, "scraper-kg", ["metrics", "kg"]),
        "all": add_key(path, "admin"),
    }
    graph = load_run_graph(graph_run_dir, timeout_s=30)
    with LiveServer(create_app({}, read_keys(path), graph=graph)) as url:
        for name in ("kg", "all"):
            httpx.post(
                f"{url}/v1/kg/query",
                json={"query": "ASK { ?s ?p ?o }"},
                headers={"Authorization": f"Bearer {keys[name]}"},
                timeout=60,
            ).raise_for_status()
        httpx.post(
            f"{url}/v1/link",
            json={"texts": ["Acme Bank"]},
            headers={"Authorization": f"Bearer {keys['all']}"},
            timeout=60,
        ).raise_for_status()
        yield url, keys


def _metrics(url: str, key: str) -> httpx.Response:
    return httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_metrics_need_their_own_scope(scoped_server):
    url, keys = scoped_server
    response = _metrics(url, keys["kg"])
    assert response.status_code == 403 and "metrics" in response.json()["error"]["message"]
    assert httpx.get(f"{url}/metrics", timeout=30).status_code == 401


def test_metrics_show_only_the_tasks_the_key_may_call(scoped_server):
    url, keys = scoped_server
    scraper = _metrics(url, keys["metrics"]).text
    assert 'vertical_requests_total{route="/v1/kg/query",status="200"}' in scraper
    assert 'task="kg"' not in scraper and 'task="link"' not in scraper
    with_kg = _metrics(url, keys["metrics_kg"]).text
    assert 'vertical_texts_total{task="kg"}' in with_kg and 'task="link"' not in with_kg
    admin = _metrics(url, keys["all"]).text
    assert 'task="kg"' in admin and 'task="link"' in admin
