"""Chunking: the cap, Korean sentence ends, no empty chunk, and edits that change only the chunk holding them."""

import random

import pytest

from stages.core.text import split_sentences
from stages.korean.reading import Reader
from stages.speech.chunking import (
    ANCHOR_WINDOW,
    PARAGRAPH_SHARE,
    Chunk,
    anchor_mark,
    speakable_paragraphs,
    split_chunks,
    split_long_sentence,
    spoken_chunks,
)

WORDS = ["청자", "매병", "고려", "상감", "기법", "구름", "학", "무늬", "가마", "왕실", "백자", "항아리", "달", "종소리",
         "비색", "유약", "흙", "장인", "박물관", "국보", "몸통", "어깨", "입구", "곡선", "아름다움"]
ENDINGS = ["입니다.", "였다.", "해요.", "할까요?", "답니다!", "보세요…", "이다.", "is it?", "done."]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))) + rng.choice(ENDINGS)


def paragraph(rng: random.Random, sentences: tuple[int, int] = (2, 7)) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def script(seed: int, paragraphs: int = 40, sentences: tuple[int, int] = (2, 7)) -> list[str]:
    rng = random.Random(seed)
    return [paragraph(rng, sentences) for _ in range(paragraphs)]


def texts(paragraphs: list[str], cap: int) -> list[str]:
    return [chunk.text for chunk in split_chunks("\n\n".join(paragraphs), cap)]


def words(text: str) -> list[str]:
    return text.split()


def edit_inside(text: str, rng: random.Random) -> str:
    """Add a word before the last word of one sentence, away from the text's opening words."""
    sentences = split_sentences(text)
    candidates = [i for i, s in enumerate(sentences) if len(" ".join(sentences[:i + 1])) > ANCHOR_WINDOW + 12]
    index = rng.choice(candidates)
    head, _, last = sentences[index].rpartition(" ")
    sentences[index] = f"{head} 아주 {last}"
    assert " ".join(sentences)[:ANCHOR_WINDOW] == text[:ANCHOR_WINDOW]
    return " ".join(sentences)


def common_ends(before: list[str], after: list[str]) -> tuple[int, int]:
    """How many chunks the two lists share at the front, and then at the back."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    return start, end


def changed(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    """Chunks only in `before`, and chunks only in `after`, after removing the common prefix and suffix."""
    start, end = common_ends(before, after)
    return before[start:len(before) - end], after[start:len(after) - end]


@pytest.mark.parametrize("cap", [100, 300, 1200])
@pytest.mark.parametrize("seed", range(5))
def test_chunks_keep_every_word_in_order_under_the_cap_and_none_is_empty(seed, cap):
    paragraphs = script(seed, sentences=(1, 30))
    chunks = split_chunks("\n\n".join(paragraphs), cap)
    assert all(0 < len(chunk.text) <= cap and chunk.text.strip() == chunk.text for chunk in chunks)
    assert [w for chunk in chunks for w in words(chunk.text)] == [w for p in paragraphs for w in words(p)]
    breaks = sum((chunk.end == "paragraph") + chunk.text.count("\n\n") for chunk in chunks)
    assert breaks == len(paragraphs)


@pytest.mark.parametrize("seed", range(8))
def test_editing_one_sentence_changes_only_the_chunk_holding_it(seed):
    rng = random.Random(1000 + seed)
    paragraphs = script(seed)
    before = texts(paragraphs, 1200)
    assert len(before) > 5  # the script is long enough to say something
    for target in range(len(paragraphs)):
        edited = paragraphs[:target] + [edit_inside(paragraphs[target], rng)] + paragraphs[target + 1:]
        after = texts(edited, 1200)
        gone, new = changed(before, after)
        assert len(gone) == 1 and len(new) == 1, f"editing paragraph {target} changed {len(gone)} chunks"
        assert len(after) == len(before)


@pytest.mark.parametrize("seed", range(8))
def test_editing_a_sentence_of_an_over_long_paragraph_changes_one_chunk(seed):
    rng = random.Random(2000 + seed)
    paragraphs = script(seed, paragraphs=3, sentences=(40, 60))  # each paragraph is far over the cap
    before = texts(paragraphs, 1200)
    assert len(before) > 6 and all(len(p) > 1200 for p in paragraphs)
    for _ in range(20):
        target = rng.randrange(len(paragraphs))
        sentences = split_sentences(paragraphs[target])
        index = rng.choice([i for i, s in enumerate(sentences) if len(s) > ANCHOR_WINDOW + 12])
        sentences[index] = edit_inside(sentences[index], rng)
        edited = paragraphs[:target] + [" ".join(sentences)] + paragraphs[target + 1:]
        gone, new = changed(before, texts(edited, 1200))
        assert len(gone) == 1 and len(new) == 1


def run_bounds(paragraphs: list[str], target: int) -> tuple[int, int]:
    """The paragraphs [start, stop) of the run between two chunk-starting paragraphs that holds `target`."""
    starts = [0] + [i for i in range(1, len(paragraphs)) if anchor_mark(paragraphs[i]) < PARAGRAPH_SHARE]
    start = max(i for i in starts if i <= target)
    stop = min([i for i in starts if i > target] + [len(paragraphs)])
    return start, stop


def paragraphs_in(chunks: list[str]) -> int:
    return sum(chunk.count("\n\n") + 1 for chunk in chunks)


@pytest.mark.parametrize("seed", range(4))
def test_an_edit_in_opening_words_or_over_the_cap_moves_boundaries_only_in_its_run(seed):
    """The two ways an edit can move a boundary, and how far that reaches: the run holding the edit."""
    rng = random.Random(3000 + seed)
    paragraphs = script(seed)
    for cap in (600, 1200):  # over every paragraph, so each chunk holds whole paragraphs
        assert max(map(len, paragraphs)) <= cap
        before = texts(paragraphs, cap)
        for target in range(len(paragraphs)):
            start, stop = run_bounds(paragraphs, target)
            opening = paragraphs[:target] + ["새로 " + paragraphs[target]] + paragraphs[target + 1:]
            longer = paragraphs[:target] + [paragraphs[target] + " " + sentence(rng)] + paragraphs[target + 1:]
            for edited, first_touched in ((opening, run_bounds(paragraphs, max(target - 1, 0))[0]), (longer, start)):
                front, back = common_ends(before, texts(edited, cap))
                assert paragraphs_in(before[:front]) >= first_touched
                assert paragraphs_in(before[len(before) - back:]) >= len(paragraphs) - stop


def test_inserting_a_paragraph_leaves_chunks_away_from_it_alone():
    paragraphs = script(7, paragraphs=60)
    before = texts(paragraphs, 1200)
    for target in (0, 20, 45, 60):
        inserted = paragraphs[:target] + [paragraph(random.Random(target))] + paragraphs[target:]
        gone, new = changed(before, texts(inserted, 1200))
        # The new paragraph joins a neighbour's chunk or starts its own, which may push that run over the
        # cap and cut it once more; no boundary outside that run moves.
        assert len(gone) <= 3 and 1 <= len(new) <= 3


def test_greedy_packing_would_shift_every_later_chunk():
    """Why boundaries are content-defined: the same edit under greedy packing re-makes the rest of the script."""
    paragraphs = [f"{i}번째 문단입니다. " + "구름 사이로 학이 날아오르는 무늬가 보입니다. " * 2 for i in range(40)]

    def greedy(paras: list[str], cap: int = 1200) -> list[str]:
        out, current = [], ""
        for p in paras:
            if current and len(current) + 2 + len(p) > cap:
                out.append(current)
                current = p
            else:
                current = f"{current}\n\n{p}" if current else p
        return out + [current]

    edited = [paragraphs[0] + " 한 문장을 더 붙여 보았습니다." * 4] + paragraphs[1:]
    gone, _ = changed(greedy(paragraphs), greedy(edited))
    assert len(gone) == len(greedy(paragraphs))
    gone, new = changed(texts(paragraphs, 1200), texts(edited, 1200))
    assert len(gone) == len(new) == 1


def test_an_over_long_paragraph_is_cut_at_korean_and_latin_sentence_ends():
    sentences = ["고려청자의 빛깔은 비색이라 불렸다.", "정말 아름답지요.", "왜 그렇게 불렀을까?", "하늘빛을 닮았기 때문이에요!",
                 "Celadon is green.", "Is it jade?", "Look closely…", "끝입니다."]
    text = " ".join(sentences * 6)
    chunks = split_chunks(text, 100)
    assert len(chunks) > 3
    pieces = [s for chunk in chunks for s in [chunk.text]]
    allowed = tuple(s[-2:] for s in sentences)
    assert all(piece.endswith(allowed) for piece in pieces)
    assert all(chunk.end == "sentence" for chunk in chunks[:-1]) and chunks[-1].end == "paragraph"


def test_a_sentence_over_the_cap_is_cut_at_a_comma_then_a_space():
    clause = "구름과 학이 어울려 날아오르는 무늬를 새겼고, "
    long_sentence = clause * 8 + "그래서 아름답습니다."
    pieces = split_long_sentence(long_sentence, 60)
    assert all(len(p) <= 60 for p in pieces)
    assert all(p.endswith(",") for p in pieces[:-1])
    assert " ".join(pieces) == long_sentence.strip()
    no_commas = "가나다 " * 40
    pieces = split_long_sentence(no_commas.strip(), 50)
    assert all(len(p) <= 50 and not p.startswith(" ") for p in pieces) and " ".join(pieces) == no_commas.strip()
    assert split_long_sentence("가" * 25, 10) == ["가" * 10, "가" * 10, "가" * 5]
    chunks = split_chunks(long_sentence, 60)
    assert [c.end for c in chunks] == ["word"] * (len(chunks) - 1) + ["paragraph"]


def test_paragraphs_that_fit_together_share_a_chunk_and_keep_their_break():
    chunks = split_chunks("첫째 문단입니다.\n\n둘째 문단입니다.\n\n셋째 문단입니다.", 1200)
    joined = "\n\n".join(chunk.text for chunk in chunks)
    assert joined == "첫째 문단입니다.\n\n둘째 문단입니다.\n\n셋째 문단입니다."
    assert all(chunk.end == "paragraph" for chunk in chunks)


def test_markdown_is_stripped_and_unspeakable_text_makes_no_chunk():
    script_text = ("# 청자 상감운학문 매병\n\n<!-- 메모 -->\n\n**고려**의 *상감* 청자입니다.\n"
                   "- [국립중앙박물관](https://example.org)에 있습니다.\n\n---\n\n…\n\n   \n\n`코드`")
    assert speakable_paragraphs(script_text) == ["청자 상감운학문 매병", "고려의 상감 청자입니다. 국립중앙박물관에 있습니다.", "코드"]
    assert split_chunks("\n\n---\n\n<!-- x -->\n\n…  —\n\n", 100) == []
    assert split_chunks("", 100) == []


def test_a_chunk_is_plain_data():
    chunk = Chunk("안녕하세요.", "paragraph")
    assert chunk.end == "paragraph" and Chunk("안녕", "sentence").end == "sentence"


# --- cut on the written text, each chunk with its spoken form (stages.korean.reading) -----------------------
def test_a_chunk_whose_spoken_form_overflows_the_engine_is_cut_smaller():
    script = "\n\n".join(["1,342년 5,000명 42.1cm 9,999개 " * 8] * 3)  # reads about a third longer than written
    read_at_300 = [Reader().spoken(chunk.text) for chunk in split_chunks(script, 300)]
    assert max(len(spoken) for spoken in read_at_300) > 250
    chunks = spoken_chunks(script, cap=300, most=250, read=Reader().spoken)
    assert chunks and all(len(chunk.spoken) <= 250 for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks).replace(" ", "") == script.replace(" ", "").replace("\n", "")
    assert [c.spoken for c in spoken_chunks(script, 300, 4096, Reader().spoken)] == read_at_300
    assert [c.spoken for c in spoken_chunks(script, 300, 4096, None)] == [c.text for c in split_chunks(script, 300)]


def test_a_chunk_with_nothing_left_to_say_is_dropped():
    script = "첫 문단입니다. 숫자는 없습니다.\n\n(梅甁)\n\n마지막 문단입니다."
    assert [c.spoken for c in spoken_chunks(script, 100, 4096, Reader().spoken)] == ["첫 문단입니다. 숫자는 없습니다.\n\n마지막 문단입니다."]
    assert [c.spoken for c in spoken_chunks(script, 20, 4096, Reader().spoken)] == ["첫 문단입니다. 숫자는 없습니다.", "마지막 문단입니다."]
    assert len(spoken_chunks(script, 20, 4096, None)) == 3
