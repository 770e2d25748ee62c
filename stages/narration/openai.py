"""OpenAIScript: a Korean docent narration written by a chat model from the info file's facts only."""

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

from stages.clients import openai_access
from stages.core.cache import Cache, content_key
from stages.core.errors import PipelineError
from stages.core.info_file import Facts
from stages.core.params import Params
from stages.core.text import LINK, LIST_MARKER, QUOTE_MARKER, paragraphs, unix_newlines
from stages.narration.claims import unsupported

log = logging.getLogger(__name__)

CHARS_PER_MINUTE = 370  # Korean narration at a docent's pace, spaces and punctuation included
LENGTH_RANGE = (0.4, 2.5)  # accepted length, as a share of the target
MIN_CHARS = 80  # shorter than this is never a narration
MAX_NAMED = 3  # unsupported claims named in the request to write again

SYSTEM_PROMPT = """\
당신은 한국 박물관의 숙련된 도슨트입니다. 관람객이 작품 앞에 서서 귀로 듣는 해설 원고를 한국어로 씁니다.

규칙:
- 사용자가 준 사실만 사용하세요. 사실에 없는 연도, 이름, 수치, 일화, 평가를 지어내지 마세요.
  사실이 부족하면 짧게 쓰고, 추측하지 마세요.
- 소리 내어 읽을 원고입니다. 제목, 머리말(#), 목록 기호(-, *, 1.), 굵게·기울임 표시(**, _), 표, 이모지,
  괄호 속 주석, 링크를 쓰지 마세요. 평범한 문장만 쓰세요.
- 존댓말(합니다체와 해요체)로, 인사로 시작해 작품을 소개하고, 감상을 권하는 맺음말로 끝내세요.
- 문단은 빈 줄 하나로 나누세요. 한 문장은 너무 길지 않게 쓰세요.
- 원고 본문만 답하세요. 설명이나 머리말을 붙이지 마세요."""


def facts_prompt(facts: Facts, target_chars: int, minutes: float) -> str:
    """The user message: the facts, one per line, and the length to aim for."""
    lines = [f"주제: {facts.title}", "", "사실:"]
    lines += [f"[{section.heading}] {' '.join(section.text.split())}" for section in facts.sections]
    if facts.stated:
        lines += ["", "세부 정보:"]
        lines += [f"- {label}: {value}" for label, value in sorted(facts.stated.items())]
    lines += ["", f"위 사실만으로, 소리 내어 읽으면 약 {minutes:g}분 걸리는 해설 원고를 써 주세요 "
                  f"(공백 포함 약 {target_chars:,}자)."]
    return "\n".join(lines)


_FENCE = re.compile(r"^[ \t]*(```|~~~).*$", re.M)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}([ \t].*)?$", re.M)
_SETEXT = re.compile(r"^[ \t]*(=+|-{3,}|\*{3,}|_{3,})[ \t]*$", re.M)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")
_MARKERS = re.compile(r"`+|\*+|_{2,}|~~")  # a lone * is never spoken text either


def plain_narration(text: str) -> str:
    """The narration without what a voice would read aloud: headings dropped, bullets and emphasis unwrapped."""
    text = unix_newlines(text)
    text = _FENCE.sub("", text)
    text = _HEADING.sub("", text)
    text = _SETEXT.sub("", text)
    text = LINK.sub(r"\1", text)
    text = LIST_MARKER.sub("\n", text)  # each list item becomes a paragraph of its own
    text = QUOTE_MARKER.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _MARKERS.sub("", text)
    return "\n\n".join(paragraphs(text))


class OpenAIScript(openai_access.OpenAIAccess):
    """Chat-completions narration from the facts (script.model, script.minutes); each answer cached by content."""

    name = "openai"

    def __init__(self, params: Params, *, sleep: Callable[[float], None] | None = None,
                 cache: Cache | None = None) -> None:
        super().__init__(params, sleep=sleep)
        self.model = params.script.model
        self.minutes = params.script.minutes
        self.target_chars = round(self.minutes * CHARS_PER_MINUTE)
        self.cache = cache or Cache("chat", ".json")

    def request(self, facts: Facts) -> dict:
        """Every argument of the chat request; the cache key is made of exactly these."""
        return {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": facts_prompt(facts, self.target_chars, self.minutes)},
            ],
        }

    def write(self, facts: Facts) -> str:
        request = self.request(facts)
        key = content_key({"endpoint": "chat.completions", **request, **openai_access.server_identity()})
        cached = self.cache.get(key)
        text = None
        if cached is not None:
            text = self.check(json.loads(cached.read_text(encoding="utf-8"))["content"], facts)
        if text is not None and not unsupported(text, facts):
            log.info("openai script: %s from the chat cache (no request)", facts.keyword)
        else:  # nothing cached, or an answer a newer fact guard refuses
            content, text = self.guarded(request, facts)
            # Only an accepted answer is cached, under the first request: a re-run asks nothing.
            self.cache.put(key, lambda tmp: write_chat_entry(tmp, request, content), check=check_chat_entry)
        if facts.attribution:
            text = f"{text}\n\n이 해설은 {', '.join(facts.attribution)}의 자료를 바탕으로 했습니다."
        return text + "\n"

    def guarded(self, request: dict, facts: Facts) -> tuple[str, str]:
        """An answer whose every claim the facts hold (stages/narration/claims.py), and its checked narration: a
        narration that states one they do not is asked for again once, with the claim named; a second such answer
        is refused in one line."""
        content = self._complete(request)
        text = self.check(content, facts)
        missing = unsupported(text, facts)
        if not missing:
            return content, text
        named = ", ".join(claim.text for claim in missing[:MAX_NAMED])
        log.warning("openai script: the narration of %r states %s, which the facts do not hold; asking again",
                    facts.keyword, named)
        correction = (f"이 원고에는 사실에 없는 내용이 있습니다: {named}. 주어진 사실에 있는 연도, 수치, 지정, 왕조만 "
                      f"쓰고, 없는 것은 빼서 원고 전체를 다시 써 주세요.")
        retry = {**request, "messages": [*request["messages"], {"role": "assistant", "content": content},
                                         {"role": "user", "content": correction}]}
        content = self._complete(retry)
        text = self.check(content, facts)
        missing = unsupported(text, facts)
        if missing:
            claim = missing[0]
            raise PipelineError(f"openai script: the narration of {facts.keyword!r} states {claim.text} in "
                                f"\"{claim.sentence}\", which the facts do not hold (asked twice); add it to the facts "
                                f"if it is true, or run again")
        return content, text

    def _complete(self, request: dict) -> str:
        client = self.client
        prompt = "".join(m["content"] for m in request["messages"])
        log.info("openai script: %d prompt characters (~%d tokens), model %s, aiming for ~%d characters",
                 len(prompt), openai_access.estimate_tokens(prompt), self.model, self.target_chars)
        completion = openai_access.call(self.policy, lambda: client.chat.completions.create(**request),
                                     what="openai script")
        if not completion.choices:
            raise PipelineError("openai script: the chat model returned no answer")
        choice = completion.choices[0]
        message = choice.message
        if getattr(message, "refusal", None):
            raise PipelineError(f"openai script: the chat model refused: {' '.join(message.refusal.split())[:200]}")
        if choice.finish_reason == "length":
            raise PipelineError("openai script: the answer was cut off at the model's length limit; "
                                "lower script.minutes or choose another script.model")
        if choice.finish_reason == "content_filter":
            raise PipelineError("openai script: the answer was withheld by the content filter")
        return message.content or ""

    def check(self, content: str, facts: Facts) -> str:
        """The narration as plain speakable text, or a PipelineError when it is empty or far from the target."""
        text = plain_narration(content)
        if not text:
            raise PipelineError("openai script: the chat model returned an empty narration; run again")
        low, high = (round(self.target_chars * share) for share in LENGTH_RANGE)
        # Told to invent nothing, the model may rightly write less than the target when the facts are few.
        fact_chars = sum(len(section.text) for section in facts.sections)
        low = max(MIN_CHARS, min(low, fact_chars // 2))
        if not low <= len(text) <= high:
            raise PipelineError(
                f"openai script: the narration is {len(text)} characters, far from the ~{self.target_chars} "
                f"that script.minutes: {self.minutes:g} asks for (accepted: {low}–{high}); run again, or change "
                f"script.minutes (or add facts to the sources file)")
        return text


def write_chat_entry(path: Path, request: dict, content: str) -> None:
    """A chat cache entry: the request it answers (for whoever reads the cache) and the accepted content."""
    entry = {"request": request, "content": content}
    path.write_text(json.dumps(entry, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def check_chat_entry(path: Path) -> None:
    if not isinstance(json.loads(path.read_text(encoding="utf-8")).get("content"), str):
        raise PipelineError(f"chat cache entry {path} came out malformed")
