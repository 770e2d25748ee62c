"""OpenAITranslation: the first language's narration translated by a chat model, its numbers and paragraphs checked.

A translation that drops, changes or adds a number, or merges or splits paragraphs, is asked again once with the
problem named; a second such answer is refused in one line. Only an accepted translation is cached, under the
first request, so a re-run asks nothing whether the first or the second answer was the one accepted.
"""

import json
import logging
from collections.abc import Callable

from stages.clients import openai_access
from stages.core.cache import Cache, content_key
from stages.core.errors import PipelineError
from stages.core.languages import LANGUAGES
from stages.core.params import Params
from stages.core.paths import hand_edited_path
from stages.core.text import COMMENT, paragraphs, unix_newlines
from stages.narration import numbers
from stages.narration.openai import check_chat_entry, plain_narration, write_chat_entry

log = logging.getLogger(__name__)

MAX_NAMED = 3  # numbers named in one message; more would not fit on a line

SYSTEM_PROMPT = """\
You translate the narration of a museum audio guide from {source} into {target}. Visitors hear it read aloud \
while they stand in front of the object, so it must sound natural when spoken.

Target language: {target} ({code}).

Rules:
- Translate faithfully. Add nothing and leave nothing out: no title, heading, note, comment, explanation, \
Markdown, list or emoji. Answer with the translation only.
- Keep the paragraphs: the narration has {count} paragraph{plural} separated by blank lines. Answer with exactly \
{count} paragraph{plural}, each the translation of the paragraph in the same place, separated by one blank line.
- Keep every number exactly as written, in Arabic digits: years, centuries, dates, sizes with their units, \
counts, and designation numbers (국보 제78호 keeps 78). Do not write a number as words, do not convert units, \
dates or calendars, and add no number the narration does not state.
- Keep every era, dynasty, reign and period, and every proper name of a person, place, object or institution.
- {names}
- {register}"""

# How each target language writes Korean names, and the voice a docent of that language speaks in.
NAMES = {
    "en": "Romanise Korean names in the Revised Romanization of Korean (Joseon, Goryeo, Silla, Gyeongju, Sejong), "
          "and use an institution's established English name where it has one.",
    "ja": "Write a Korean name in its usual kanji form (朝鮮, 高麗, 新羅, 世宗) when the narration gives its hanja "
          "or the name has a standard kanji form; otherwise transliterate it in katakana.",
    "zh": "Write a Korean name in its usual Chinese characters, simplified (朝鲜, 高丽, 新罗, 世宗), when the "
          "narration gives its hanja or the name has a standard Chinese form; otherwise transliterate it.",
    "ko": "Write names in Hangul as Korean museums do.",
}
REGISTER = {
    "en": "Speak as a warm English-speaking docent: plain, friendly spoken English in short sentences, addressing "
          "the visitor as you.",
    "ja": "Speak as a Japanese museum docent: polite spoken Japanese in the です・ます style.",
    "zh": "Speak as a Chinese museum docent: Simplified Chinese, polite spoken Mandarin, addressing the visitor as "
          "您 or neutrally.",
    "ko": "Speak as a Korean museum docent: polite spoken Korean (합니다체 and 해요체).",
}


def source_narration(text: str) -> str:
    """The narration as it is sent: comments dropped, one blank line between paragraphs."""
    return "\n\n".join(paragraphs(COMMENT.sub("", unix_newlines(text))))


def system_prompt(source: str, target: str, count: int) -> str:
    return SYSTEM_PROMPT.format(source=LANGUAGES[source].english, target=LANGUAGES[target].english, code=target,
                                count=count, plural="" if count == 1 else "s", names=NAMES[target],
                                register=REGISTER[target])


def _listed(items: list[str]) -> str:
    named = items[:MAX_NAMED] + ([f"{len(items) - MAX_NAMED} more"] if len(items) > MAX_NAMED else [])
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def problems(source: str, translation: str, source_name: str = "original") -> list[str]:
    """What is wrong with `translation` of `source`, each as a phrase ("drops or changes 1446"); [] when nothing."""
    if not translation.strip():
        return ["is empty"]
    found = []
    missing, added = numbers.differences(source, translation)
    if missing:
        found.append(f"drops or changes {_listed(missing)}")
    if added:
        found.append(f"adds {_listed(added)}, which the {source_name} narration does not state")
    want, got = len(paragraphs(source)), len(paragraphs(translation))
    if want != got:
        found.append(f"has {got} paragraph{'' if got == 1 else 's'} where the {source_name} has {want}")
    return found


def correction(found: list[str], count: int) -> str:
    """The extra user message that asks again, naming what was wrong."""
    return (f"Your translation {'; it '.join(found)}. Translate the narration again: keep every number exactly as "
            f"written, in Arabic digits, add no other number, and answer with exactly {count} "
            f"paragraph{'' if count == 1 else 's'} separated by blank lines.")


class OpenAITranslation(openai_access.OpenAIAccess):
    """Chat-completions translation of a narration (script.model); numbers and paragraphs checked, answers cached."""

    def __init__(self, params: Params, *, sleep: Callable[[float], None] | None = None,
                 cache: Cache | None = None) -> None:
        super().__init__(params, sleep=sleep)
        self.model = params.script.model
        self.cache = cache or Cache("chat", ".json")

    def request(self, text: str, source: str, target: str) -> dict:
        """Every argument of the first chat request; the cache key is made of exactly these."""
        return {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system_prompt(source, target, len(paragraphs(text)))},
                {"role": "user", "content": text},
            ],
        }

    def translate(self, text: str, keyword: str, source: str, target: str) -> str:
        """`text` (the narration in language `source`, e.g. "ko") in language `target` ("en", "ja", "zh"), ending
        with one newline."""
        text = source_narration(text)
        source_name = LANGUAGES[source].english
        what = f"the {LANGUAGES[target].english} narration of {keyword!r}"
        if not text:
            raise PipelineError(f"openai translation: the {source_name} narration of {keyword!r} is empty; there is "
                                f"nothing to translate")
        request = self.request(text, source, target)
        key = content_key({"endpoint": "chat.completions", **request, **openai_access.server_identity()})
        cached = self.cache.get(key)
        if cached is not None:
            translation = plain_narration(json.loads(cached.read_text(encoding="utf-8"))["content"])
            if not problems(text, translation, source_name):
                log.info("openai translation: %s from the chat cache (no request)", what)
                return translation + "\n"
            log.info("openai translation: the cached %s no longer passes the checks; asking again", what)
        content = self._complete(request, what)
        translation = plain_narration(content)
        found = problems(text, translation, source_name)
        if found:
            log.warning("openai translation: %s %s; asking again", what, "; it ".join(found))
            count = len(paragraphs(text))
            again = {**request, "messages": [*request["messages"], {"role": "assistant", "content": content},
                                             {"role": "user", "content": correction(found, count)}]}
            content = self._complete(again, what)
            translation = plain_narration(content)
            found = problems(text, translation, source_name)
            if found:  # refused: nothing cached, so the next run asks afresh
                path = hand_edited_path(keyword, target).as_posix()
                raise PipelineError(f"openai translation: {what} {'; it '.join(found)} (asked twice); write {path} "
                                    f"by hand or run again")
        self.cache.put(key, lambda tmp: write_chat_entry(tmp, request, content), check=check_chat_entry)
        return translation + "\n"

    def _complete(self, request: dict, what: str) -> str:
        client = self.client
        prompt = "".join(m["content"] for m in request["messages"])
        log.info("openai translation: %s, %d prompt characters (~%d tokens), model %s", what, len(prompt),
                 openai_access.estimate_tokens(prompt), self.model)
        completion = openai_access.call(self.policy, lambda: client.chat.completions.create(**request),
                                     what="openai translation")
        if not completion.choices:
            raise PipelineError(f"openai translation: the chat model returned no answer for {what}")
        choice = completion.choices[0]
        message = choice.message
        if getattr(message, "refusal", None):
            raise PipelineError(f"openai translation: the chat model refused to write {what}: "
                                f"{' '.join(message.refusal.split())[:200]}")
        if choice.finish_reason == "length":
            raise PipelineError(f"openai translation: {what} was cut off at the model's length limit; choose "
                                f"another script.model or shorten the original")
        if choice.finish_reason == "content_filter":
            raise PipelineError(f"openai translation: {what} was withheld by the content filter")
        return message.content or ""

