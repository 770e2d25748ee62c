"""Fixtures for the info providers: the fake sources running, and a folder holding sources/<keyword>.md."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stages.core.params import Params, parse_params
from stages.facts.sources import TEMPLATE
from tests.fake_heritage import FakeHeritage
from tests.fake_wikipedia import FakeWikipedia

# Quick retries, so a 503 costs milliseconds.
FAST_RETRY = {"max_tries": 3, "initial_wait": 0.001, "max_wait": 0.01}


@pytest.fixture
def heritage() -> Iterator[FakeHeritage]:
    with FakeHeritage() as server:
        yield server


@pytest.fixture
def wikipedia() -> Iterator[FakeWikipedia]:
    with FakeWikipedia() as server:
        yield server


@pytest.fixture
def sources(tmp_path, monkeypatch) -> Callable[..., Path]:
    """write(keyword, text=None): sources/<keyword>.md in a temp project folder (the template by default)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources").mkdir()

    def write(keyword: str, text: str | None = None) -> Path:
        path = tmp_path / "sources" / f"{keyword}.md"
        path.write_text(TEMPLATE.format(keyword=keyword) if text is None else text, encoding="utf-8")
        return path
    return write


@pytest.fixture
def params(heritage, wikipedia) -> Callable[..., Params]:
    """params(**info): Params pointed at the fake sources, with quick retries."""

    def make(**info) -> Params:
        return parse_params({
            "keywords": ["x"],
            "info": {"heritage_url": heritage.url, "wikipedia_url": wikipedia.url, **info},
            "retry": FAST_RETRY,
            "requests": {"timeout": 10},
        })
    return make
