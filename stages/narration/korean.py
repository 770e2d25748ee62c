"""Korean text helpers: particles that agree with the word before them."""

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3


def has_final_consonant(word: str) -> bool | None:
    """Whether the last syllable has a 받침; None when the word does not end in Hangul."""
    if not word:
        return None
    code = ord(word[-1])
    if not _HANGUL_FIRST <= code <= _HANGUL_LAST:
        return None
    return (code - _HANGUL_FIRST) % 28 != 0


_PARTICLES = {"은": ("은", "는"), "이": ("이", "가"), "을": ("을", "를"), "과": ("과", "와"), "으로": ("으로", "로")}


def josa(word: str, particle: str) -> str:
    """`word` followed by the form of `particle` (은, 이, 을, 과, 으로) that agrees with it."""
    with_final, without_final = _PARTICLES[particle]
    final = has_final_consonant(word)
    if final is None:
        return f"{word}{with_final}({without_final})" if particle != "으로" else f"{word}(으)로"
    if particle == "으로" and word[-1] and (ord(word[-1]) - _HANGUL_FIRST) % 28 == 8:  # ㄹ 받침 takes 로
        return f"{word}로"
    return f"{word}{with_final if final else without_final}"

