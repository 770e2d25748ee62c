"""What the narration tests share: a chat answer cache of their own."""

import pytest

from stages.core.cache import Cache


@pytest.fixture
def chat_cache(tmp_path) -> Cache:
    """The chat answers' cache, under the test's own folder."""
    return Cache("chat", ".json", root=tmp_path / "cache")
