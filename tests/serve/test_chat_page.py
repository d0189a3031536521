"""The chat page in headless Chromium (Playwright, the system `chromium`): a streamed answer, its sources."""

from __future__ import annotations

import shutil

import httpx
import pytest

from tests.serve.chat_fixtures import chat_retriever  # noqa: F401
from tests.serve.live import LiveServer
from vertical.generate import load_generator
from vertical.serve.app import create_app
from vertical.serve.chat import ChatService
from vertical.serve.generation_limits import GenerationLimits

QUESTION = "Where does Acme Bank raise deposits?"  # names a graph entity: facts come with the passages


def test_the_page_streams_an_answer_with_its_sources_and_closed_book_has_none(tiny_llama_dir, chat_retriever):  # noqa: F811
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        pytest.skip("no chromium on PATH: install it (apt-get install chromium) to test the chat page")
    service = ChatService(
        {"chat": load_generator(tiny_llama_dir, "chat")},
        chat_retriever.encoder,
        chat_retriever,
        GenerationLimits(max_output_tokens=16),
    )
    body = {"model": "chat", "messages": [{"role": "user", "content": QUESTION}], "temperature": 0}
    with LiveServer(create_app({}, None, chat=service)) as url:
        expected = httpx.post(
            url + "/v1/chat/completions", json={**body, "max_tokens": 16}, timeout=60
        ).json()
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            try:
                page = browser.new_page()
                page.goto(url + "/chat")
                page.wait_for_selector("#model option[value=chat]", state="attached")
                page.fill("#temperature", "0")
                page.fill("#question", QUESTION)
                page.click("#ask")
                page.wait_for_function("document.getElementById('answer').dataset.done === 'true'")
                answer = page.text_content("#answer")
                sources = page.locator("#sources li").all_text_contents()
                kinds = [
                    page.locator("#sources li").nth(i).get_attribute("data-kind") for i in range(len(sources))
                ]
                usage = page.text_content("#usage")
                error = page.text_content("#error")
                page.uncheck("#grounded")
                page.click("#ask")
                page.wait_for_function("document.getElementById('answer').dataset.done === 'true'")
                closed_book_sources = page.locator("#sources li").count()
                closed_book_error = page.text_content("#error")
            finally:
                browser.close()
    assert error == "" and closed_book_error == ""
    assert answer and answer == expected["choices"][0]["message"]["content"]
    assert len(sources) == len(expected["sources"]) >= 2
    assert sources[0].startswith("[1] " + expected["sources"][0]["text"])
    assert expected["sources"][0]["document_id"] in sources[0]
    assert kinds[0] == "passage" and "fact" in kinds
    assert f"{expected['usage']['completion_tokens']} answer tokens" in usage
    assert closed_book_sources == 0
