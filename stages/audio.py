"""audio stage: `python -m stages.audio KEYWORD` speaks outputs/script/<keyword>.md into outputs/audio/."""

import logging
import tempfile
from pathlib import Path

from stages import assembly
from stages.chunking import split_chunks
from stages.cli import one_keyword, run_main
from stages.config import Params, check_keyword, load_params
from stages.errors import PipelineError
from stages.providers.speech import SPEECH_PROVIDERS
from stages.paths import audio_path, script_path

log = logging.getLogger(__name__)


def run(params: Params, keyword: str) -> Path:
    source = script_path(keyword)
    try:
        script = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(f"{source} is missing; run the script stage first (dvc repro 'script@{keyword}')") from None
    provider = SPEECH_PROVIDERS[params.tts.provider](params)
    chunks = split_chunks(script, provider.max_chars)
    if not chunks:
        raise PipelineError(f"{source} has no speakable text")
    out = audio_path(keyword, params.tts.format)
    with tempfile.TemporaryDirectory(prefix="narration-") as workdir:
        parts = []
        for index, chunk in enumerate(chunks):
            chunk_file = Path(workdir) / f"{index:05d}.{provider.chunk_format}"
            provider.synthesize(chunk.text, chunk_file)
            last = index == len(chunks) - 1
            pause = 0.0 if last else assembly.PARAGRAPH_PAUSE_S if chunk.paragraph_end else assembly.SENTENCE_PAUSE_S
            parts.append((chunk_file, pause))
        duration = assembly.encode(parts, out, params.tts.format)
    log.info("audio: %s (%d chunks, %.1f s of sound)", out, len(chunks), duration)
    return out


def main(argv: list[str]) -> None:
    keyword = check_keyword(one_keyword(argv, "python -m stages.audio"))
    run(load_params(), keyword)


if __name__ == "__main__":
    run_main(main)
