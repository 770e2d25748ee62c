"""audio stage: `python -m stages.audio KEYWORD` speaks outputs/script/<keyword>.md into outputs/audio/."""

from stages.core.cli import one_keyword, run_main
from stages.core.params import check_keyword, load_params
from stages.speech.narrate import narrate


def main(argv: list[str]) -> None:
    keyword = check_keyword(one_keyword(argv, "python -m stages.audio"))
    narrate(load_params(), keyword)


if __name__ == "__main__":
    run_main(main)
