"""`python -m stages.factcheck KEYWORD`: the claims a keyword's narration makes (years, centuries, sizes, weights,
designations, dynasties) and where in its facts each one is stated; exit status 1 when the facts lack any
(stages/narration/claims.py, docs/narration.md: The fact guard)."""

import sys

from stages.core.cli import one_keyword, run_main
from stages.core.errors import PipelineError
from stages.core.files import read_text_file
from stages.core.info_file import read_facts
from stages.core.params import check_keyword
from stages.core.paths import hand_edited_path, info_path, remake_command, script_path
from stages.narration.claims import claims, support


def main(argv: list[str]) -> None:
    keyword = check_keyword(one_keyword(argv, "python -m stages.factcheck"))
    path = next((p for p in (script_path(keyword), hand_edited_path(keyword)) if p.is_file()), None)
    if path is None or not info_path(keyword).is_file():
        raise PipelineError(f"{keyword!r} has no narration and facts to compare yet; run `{remake_command(keyword)}`")
    facts = read_facts(keyword)
    found = claims(read_text_file(path))
    missing = 0
    print(f"{path} against {info_path(keyword)}: {len(found)} claims")
    for claim in found:
        where = support(claim, facts)
        missing += where is None
        print(f"  {claim.text:<16} " + (f"[{where}]" if where else f"NOT IN THE FACTS: \"{claim.sentence}\""))
    sys.stdout.flush()
    if missing:
        raise PipelineError(f"{missing} of {len(found)} claims in {path} are not in the facts")


if __name__ == "__main__":
    run_main(main)
