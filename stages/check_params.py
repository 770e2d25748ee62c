"""`python -m stages.check_params [FILE]`: validate params.yaml before DVC runs.

Prints nothing when it is fine; a warning line for each model the run would call that shuts down within 30 days.
The speech provider's own keys (voice, speed, model…) are checked here too: loading params leaves them to it.
"""

from pathlib import Path

from stages.core.cli import run_main
from stages.core.model_shutdowns import called_models, check_models
from stages.core.params import PARAMS_FILE, load_params
from stages.speech.providers import check_speech


def main(argv: list[str]) -> None:
    params = load_params(Path(argv[0]) if argv else PARAMS_FILE)
    check_speech(params)
    check_models(params, warn=[key for key, _ in called_models(params)])


if __name__ == "__main__":
    run_main(main)
