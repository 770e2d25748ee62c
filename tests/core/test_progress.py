"""Progress: a tqdm bar on a terminal, a few plain log lines otherwise; both count cached chunks."""

import io
import logging

from stages.core.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_the_cached_count():
    stream = Terminal()
    with Progress("백자 달항아리", 3, stream=stream) as progress:
        progress.done(cached=True)
        progress.done(cached=False)
        progress.done(cached=False)
    shown = stream.getvalue()
    assert "백자 달항아리" in shown and "3/3" in shown and "1 cached" in shown


def test_elsewhere_a_few_log_lines_replace_the_bar(caplog):
    stream = io.StringIO()
    with caplog.at_level(logging.INFO, logger="stages.core.progress"), Progress("매병", 95, stream=stream) as progress:
        for index in range(95):
            progress.done(cached=index < 40)
    assert stream.getvalue() == ""
    lines = [record.getMessage() for record in caplog.records]
    assert 9 <= len(lines) <= 11
    assert lines[-1] == "매병: 95/95 chunks (40 from the cache)"
