"""The playground page in headless Chromium (Playwright with the system `chromium`): type, see the label."""

from __future__ import annotations

import shutil

import pytest

from tests.serve.live import LiveServer
from vertical.serve.app import create_app
from vertical.serve.keys import add_key, read_keys
from vertical.serve.registry import load_run_classifiers


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if path is None:
        pytest.skip("no chromium on PATH: install it (apt-get install chromium) to test the playground page")
    return path


def test_typing_a_sentence_shows_its_label_and_a_wrong_key_the_servers_message(tiny_run_dir, tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = _chromium()
    classifiers = load_run_classifiers(tiny_run_dir, "full")
    text = "deposits and mortgage news 12"
    expected = classifiers["topic"].labels[int(classifiers["topic"].probabilities([text])[0].argmax())]
    key = add_key(tmp_path / "keys.json", "browser")
    with LiveServer(create_app(classifiers, read_keys(tmp_path / "keys.json"))) as url:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            try:
                page = browser.new_page()
                page.goto(url + "/")
                page.fill("#key", "vk_not_a_key")
                page.dispatch_event("#key", "change")
                page.wait_for_function("document.getElementById('error').textContent === 'unknown API key'")
                page.fill("#key", key)
                page.dispatch_event("#key", "change")  # the page stores the key and lists the tasks
                page.wait_for_selector("#task option[value=topic]", state="attached")
                page.fill("#text", text)
                page.click("#go")
                page.wait_for_function("document.getElementById('label').textContent.length > 0")
                shown = page.text_content("#label")
                bars = page.locator("#probs .bar").count()
                error = page.text_content("#error")
            finally:
                browser.close()
    assert shown.split(" (")[0] == expected
    assert bars == 2 and error == ""


def test_entities_are_highlighted_with_their_types_and_graph_links(entity_run_dir):
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from vertical.serve.graph import load_run_graph
    from vertical.serve.registry import load_run_taggers

    chromium = _chromium()
    taggers = load_run_taggers(entity_run_dir)
    app = create_app(
        load_run_classifiers(entity_run_dir), None, taggers=taggers, graph=load_run_graph(entity_run_dir)
    )
    text = "Acme Bank opened a branch in Beijing"
    expected = [(text[e.start : e.end], e.type) for e in taggers["ents"].entities([text])[0]]
    with LiveServer(app) as url:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            try:
                page = browser.new_page()
                page.goto(url + "/")
                page.wait_for_selector("#ner option[value=ents]", state="attached")
                page.fill("#text", text)
                page.click("#go")
                page.wait_for_function("document.getElementById('label').textContent.length > 0")
                marks = page.locator("#highlight mark.entity")
                shown = [
                    (
                        marks.nth(i).locator("a, span").first.text_content(),
                        marks.nth(i).get_attribute("data-type"),
                    )
                    for i in range(marks.count())
                ]
                acme_href = page.locator("#highlight mark[data-type=ORG] a").first.get_attribute("href")
                links = page.locator("#links li").all_text_contents()
                highlighted_text = page.text_content("#highlight")
            finally:
                browser.close()
    assert shown == expected and ("Acme Bank", "ORG") in shown
    assert acme_href == "http://example.org/fin/AcmeBank"
    assert links[0].startswith("Acme Bank → Acme Bank") and any(
        "example.org/fin/Beijing" in item for item in links
    )
    assert highlighted_text.startswith("Acme BankORG opened a branch in")
