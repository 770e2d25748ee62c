"""`python -m stages.check_params [FILE]`: validate params.yaml before DVC runs; prints nothing when it is fine."""

from pathlib import Path

from stages.core.cli import run_main
from stages.core.params import PARAMS_FILE, load_params


def main(argv: list[str]) -> None:
    load_params(Path(argv[0]) if argv else PARAMS_FILE)


if __name__ == "__main__":
    run_main(main)
