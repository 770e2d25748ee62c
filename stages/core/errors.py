"""The one project error type: the CLI turns it into a one-line message and an exit code."""


class PipelineError(Exception):
    """A failure the user can act on; its message is shown as one line, never a traceback."""


class ParamsError(PipelineError):
    """params.yaml (or a keyword) is not valid."""


class NoFacts(PipelineError):
    """A source has nothing for this keyword (no entry, an ambiguous name, no text); `auto` asks the next one."""
