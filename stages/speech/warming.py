"""Warm the chunk cache for a whole catalogue at once: every changed narration's missing chunks in one pool.

DVC runs the audio stages one after another, so each would keep at most requests.concurrency requests in
flight for its own few chunks, and a voice change over 200 stops would take 200 round trips of stage
start-up and tail latency. The speak stage runs first and synthesises, across keywords, the chunks of
every narration whose chunk list changed; the audio stages then find every chunk in the cache.

Each keyword's chunk list (its manifest: the cache keys in script order) is written to
outputs/chunks/<keyword>.json, which the keyword's audio stage depends on. A keyword whose manifest is the
one dvc.lock recorded for its audio stage needs nothing new from the speech service in this run (its audio
stage, if it runs for another reason, makes whatever the cache lacks), so only changed manifests are
warmed, and only for keywords the invocation narrates (stages/core/dvc_internals.py, which also reads dvc.lock). The comparison is with
dvc.lock, not with the previous file, so the stage keeps no state of its own and DVC's run-cache can
restore it: switching back to a voice already heard costs nothing.
"""

import hashlib
import logging
from dataclasses import dataclass

from stages.core import atomic
from stages.core.dvc_internals import recorded_manifests
from stages.core.errors import PipelineError
from stages.core.params import Params
from stages.core.paths import chunks_path
from stages.core.progress import Progress
from stages.speech.chunking import Chunk
from stages.speech.metrics import run_cost
from stages.speech.plan import Plan, Planner
from stages.speech.providers import speech_provider
from stages.speech.synthesis import ChunkSynthesizer

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Warmed:
    """What the speak stage did: for its log line."""

    keywords: int  # narrations whose chunks were warmed
    chunks: int  # their chunks (cached ones included)
    requests: int


def planned(planner: Planner, keyword: str) -> Plan | None:
    """The keyword's plan, as its audio stage will make it; None when its script is missing or unreadable."""
    try:
        return planner.plan(planner.script(keyword))
    except PipelineError:
        return None  # the audio stage cannot run either; it will say why


def manifest(plan: Plan | None) -> str:
    return atomic.stable_json({"chunks": None if plan is None else plan.keys})


def warm(params: Params, narrated: set[str]) -> Warmed:
    """Write every keyword's manifest; synthesise the missing chunks of the narrated ones that changed."""
    provider = speech_provider(params.tts.provider)(params)
    planner = Planner(params, provider)
    recorded = recorded_manifests()
    pending: list[Chunk] = []
    warmed = 0
    for keyword in params.keywords:
        plan = planned(planner, keyword)
        text = manifest(plan)
        changed = hashlib.md5(text.encode("utf-8")).hexdigest() != recorded.get(keyword)
        if plan and plan.chunks and keyword in narrated and changed:
            pending.extend(plan.chunks)
            warmed += 1
        atomic.write_text(chunks_path(keyword), text)
    synthesizer = ChunkSynthesizer(provider, speed=provider.options.speed, concurrency=params.requests.concurrency)
    if pending:
        with Progress(f"{warmed} narrations", len(pending)) as progress:
            for _ in synthesizer.files(pending, progress):
                pass
    return Warmed(keywords=warmed, chunks=len(pending), requests=run_cost(synthesizer, provider).requests)
