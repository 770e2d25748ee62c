"""`make prune`: remove what DVC leaves behind for keywords taken out of params.yaml.

DVC never removes the outputs, .gitignore lines or lock entries of a foreach item that is gone
(treeverse/dvc#5293). This removes exactly those, for `<stage>@<keyword>` entries whose keyword is no
longer listed, in every lock file of the pipeline, and nothing else: sources/ and scripts/ files are the
user's and stay.
"""

import logging
import os
from pathlib import Path

from stages.core.cli import run_main
from stages.core.params import load_params
from stages.core.paths import LOCK_FILES

log = logging.getLogger(__name__)


def stale_entries(lock_stages: dict, keywords: list[str]) -> list[str]:
    """Lock entries of foreach stages whose keyword is no longer in params.yaml."""
    keep = set(keywords)
    return [name for name in lock_stages if "@" in name and name.split("@", 1)[1] not in keep]


def prune() -> list[str]:
    """Remove stale lock entries with their outputs and .gitignore lines; return the entries removed."""
    keywords = load_params().keywords
    locks = [lock for lock in LOCK_FILES if lock.exists()]
    if not locks:
        return []
    from dvc.repo import Repo
    from dvc.utils.serialize import modify_yaml

    repo = Repo(".")
    removed = []
    for lock_file in locks:
        # DVC's own reader and writer, so the file keeps its format. Output paths are the project root's: every
        # stage's wdir is the root.
        with modify_yaml(str(lock_file)) as lock:
            stages = lock.get("stages", {})
            for name in stale_entries(stages, keywords):
                for out in stages[name].get("outs", []):
                    path = Path(out["path"])
                    if path.is_file():
                        path.unlink()
                        log.info("removed %s", path)
                    repo.scm.ignore_remove(os.path.abspath(path))  # the same matching DVC uses to add the line
                del stages[name]
                log.info("%s: removed %s", lock_file, name)
                removed.append(name)
    if not removed:
        log.info("nothing to prune: every lock entry belongs to a keyword in params.yaml")
    return removed


def main(argv: list[str]) -> None:
    prune()


if __name__ == "__main__":
    run_main(main)
