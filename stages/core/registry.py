"""Provider classes by the names users write in params.yaml, each module imported only when it is chosen.

One helper for the facts, narration and speech registries: an espeak run never loads the OpenAI SDK (about a
second of start-up), and a template run neither. Adding a provider is its module plus one line in a registry.
"""

import importlib

from stages.core.errors import ParamsError


class Registry:
    """Names (the values of one params.yaml key) → "package.module:Class" strings, resolved on first use."""

    def __init__(self, key: str, entries: dict[str, str]) -> None:
        self.key = key  # the params.yaml key whose values name the entries, e.g. tts.provider
        self.entries = entries

    def names(self) -> tuple[str, ...]:
        return tuple(self.entries)

    def get(self, name: str) -> type:
        """The class registered under `name`; an unknown name is a one-line ParamsError naming the allowed ones."""
        target = self.entries.get(name) if isinstance(name, str) else None
        if target is None:
            raise ParamsError(f"params.yaml: {self.key}: {name!r} is not a provider; allowed: {', '.join(self.entries)}")
        module, _, cls = target.partition(":")
        return getattr(importlib.import_module(module), cls)
