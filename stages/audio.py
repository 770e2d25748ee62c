"""audio stage: `python -m stages.audio [KEYWORD]` speaks outputs/script/<keyword>.md into outputs/audio/."""

from stages.core.atomic import remove_stale_temps
from stages.core.cli import run_main, stage_keyword
from stages.core.model_shutdowns import load_checked_params
from stages.core.params import AUDIO_FORMATS, check_keyword
from stages.core.paths import audio_path, metrics_path, subtitles_path
from stages.speech.narrate import narrate


def main(argv: list[str]) -> None:
    keyword = check_keyword(stage_keyword(argv, "audio"))
    params = load_checked_params()  # the speak stage before it warns, once, of a model that shuts down soon
    # Every format's: a run killed while writing flac leaves its temp file behind even after tts.format changes.
    remove_stale_temps(*(audio_path(keyword, fmt) for fmt in AUDIO_FORMATS), subtitles_path(keyword),
                       metrics_path(keyword))
    narrate(params, keyword)


if __name__ == "__main__":
    run_main(main)
