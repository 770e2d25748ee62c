"""`python -m stages.keywords KEYWORD`: make a keyword ready for `make audio KEYWORD=...`.

Validates the keyword first, then adds it to params.yaml (keeping the comments) and writes a
commented sources/<keyword>.md template when either is missing. A bad keyword writes nothing.
"""

import io
import logging

from ruamel.yaml import YAML

from stages.core import atomic
from stages.core.cli import one_keyword, run_main
from stages.core.params import PARAMS_FILE, check_keyword, load_params, parse_params
from stages.core.paths import source_path
from stages.facts.sources import TEMPLATE

log = logging.getLogger(__name__)


def _round_trip_yaml() -> YAML:
    yaml = YAML()  # round-trip mode: comments and key order survive
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def add_to_params(keyword: str) -> bool:
    """Append the keyword to params.yaml's keywords; return False when it is already there."""
    params = load_params()
    if keyword in params.keywords:
        return False
    yaml = _round_trip_yaml()
    document = yaml.load(PARAMS_FILE.read_text(encoding="utf-8"))
    keywords = document["keywords"]
    keywords.append(keyword)
    # ruamel keeps a comment that follows the list on its last item; move it below the new last item.
    trailing = keywords.ca.items.pop(len(keywords) - 2, None)
    if trailing is not None:
        keywords.ca.items[len(keywords) - 1] = trailing
    parse_params(document)  # the new file must validate before it replaces the old one
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    atomic.write_text(PARAMS_FILE, buffer.getvalue())
    return True


def ensure_source(keyword: str) -> bool:
    """Write the commented facts template for the keyword; return False when the file exists."""
    path = source_path(keyword)
    if path.exists():
        return False
    atomic.write_text(path, TEMPLATE.format(keyword=keyword))
    return True


def main(argv: list[str]) -> None:
    keyword = check_keyword(one_keyword(argv, "python -m stages.keywords"))
    if add_to_params(keyword):
        log.info("params.yaml: added keyword %r", keyword)
    if ensure_source(keyword):
        log.info("%s: created; write the facts or pins there (see docs/facts.md)", source_path(keyword))


if __name__ == "__main__":
    run_main(main)
