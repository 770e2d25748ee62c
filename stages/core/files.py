"""Reading the files people write or a stage reads back: UTF-8 only, any other encoding or damage one line naming a fix."""

import json
import shlex
from pathlib import Path

import yaml

from stages.core.errors import PipelineError
from stages.core.text import unix_newlines


def read_text_file(path: Path, remedy: str | None = None) -> str:
    """The file's UTF-8 text with Unix line ends and no byte-order mark; FileNotFoundError is left to the caller."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PipelineError(f"{path} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
                            f"{remedy or _conversion(path, data)}") from None
    # Windows editors write CRLF and sometimes a BOM: read the same lines, so pins and headings are found.
    return unix_newlines(text.removeprefix("\ufeff"))


def read_yaml_file(path: Path, remedy: str, error: type[PipelineError] = PipelineError) -> object:
    """A YAML file people write (params, lexicon), safely loaded; malformed YAML is one line ending in `remedy`.

    FileNotFoundError is left to the caller, which knows what a missing file means.
    """
    text = read_text_file(path)  # not UTF-8: one line naming the iconv command that fixes it
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "malformed"
        raise error(f"{path} is not valid YAML ({where}{problem}); {remedy}") from None


def read_json_file(path: Path, remedy: str) -> object:
    """A JSON file a stage wrote; undecodable or malformed content is one line ending in `remedy`."""
    text = read_text_file(path, remedy)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PipelineError(f"{path} is not valid JSON ({exc.msg} on line {exc.lineno}); {remedy}") from None


def read_json_object(path: Path, numbers: tuple[str, ...], remedy: str) -> dict:
    """A JSON object a stage wrote that must hold a number under each of `numbers`; anything else is one line."""
    data = read_json_file(path, remedy)
    missing = next((name for name in numbers if not isinstance(data, dict) or not _is_number(data.get(name))), None)
    if missing is not None:
        raise PipelineError(f"{path} is damaged: no number under {missing!r}; {remedy}")
    return data


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _conversion(path: Path, data: bytes) -> str:
    """The iconv command that turns the file into UTF-8, from the encoding it most likely has."""
    try:
        data.decode("cp949")
        guess, source = "it looks like CP949 (Korean Windows)", "cp949"
    except UnicodeDecodeError:
        guess, source = "if it is Latin-1 (Western Windows)", "latin1"
    name, converted = shlex.quote(str(path)), shlex.quote(f"{path}.utf8")
    return f"{guess}, convert it: iconv -f {source} -t utf-8 {name} > {converted} && mv {converted} {name}"
