"""`python -m stages.clean_cache`: empty the speech chunk cache (make clean-cache). Needs no installed package."""

from stages.core.cache import cache_root, clean
from stages.core.cli import run_main
from stages.core.errors import PipelineError


def main(argv: list[str]) -> None:
    if argv:
        raise PipelineError("usage: python -m stages.clean_cache")
    root = cache_root()
    print(f"{root}: removed {clean(root)} cached files")


if __name__ == "__main__":
    run_main(main)
