"""`make prune`: remove the outputs of keywords that are no longer in params.yaml.

A plain `make audio` already drops them: taking a keyword out re-runs every stage (the info stage depends on
`keywords`, the others on its outputs), and DVC deletes a stage's outputs before it runs. This is for the time in
between, and for a keyword narrated with `make audio KEYWORD=x` that was never added to params.yaml. Each
language's subfolder (outputs/audio/en/…) is pruned too. sources/ and scripts/ files are the user's and stay.
"""

import logging
from collections.abc import Sequence
from pathlib import Path

from stages.core.cli import run_main
from stages.core.languages import LANGUAGES
from stages.core.params import AUDIO_FORMATS, load_params
from stages.core.paths import OUTPUTS, PICTURE_SUFFIXES

log = logging.getLogger(__name__)

# Each per-keyword output folder, with the suffixes its files take after the keyword.
KEYWORD_FILES = {
    "info": (".json", *PICTURE_SUFFIXES),  # the facts, and the picture they name (stages/facts/picture.py)
    "script": (".md",),
    "audio": (".vtt", *(f".{fmt}" for fmt in AUDIO_FORMATS)),
    "spoken": (".txt",),
    "metrics": (".json",),
}


def keyword_of(path: Path, suffixes: tuple[str, ...]) -> str | None:
    """The keyword a per-keyword output belongs to; None for anything else in the folder (a .gitignore)."""
    for suffix in suffixes:
        if path.name.endswith(suffix) and not path.name.startswith("."):
            return path.name[:-len(suffix)]
    return None


def stale_outputs(keywords: list[str], outputs: Path = OUTPUTS, languages: Sequence[str] = ()) -> list[Path]:
    """Outputs of keywords not in `keywords`, in each folder and in its subfolder for each language (a translation)."""
    keep = set(keywords)
    stale = []
    for folder, suffixes in KEYWORD_FILES.items():
        for language_folder in [outputs / folder, *(outputs / folder / language for language in languages)]:
            for path in sorted(language_folder.glob("*")):
                keyword = keyword_of(path, suffixes)
                if path.is_file() and keyword is not None and keyword not in keep:
                    stale.append(path)
    return stale


def prune() -> list[Path]:
    """Remove the stale outputs; return them."""
    params = load_params()
    removed = stale_outputs(params.keywords, languages=LANGUAGES)
    for path in removed:
        path.unlink()
        log.info("removed %s", path)
    if not removed:
        log.info("nothing to prune: every output belongs to a keyword in params.yaml")
    return removed


def main(argv: list[str]) -> None:
    prune()


if __name__ == "__main__":
    run_main(main)
