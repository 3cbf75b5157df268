"""Reading an input file of the learning domain: present, a file, UTF-8 text."""

from __future__ import annotations

from pathlib import Path

from sdgcities.errors import Finding, ValidationError


def read_text(path: Path, *, encoding: str = "utf-8-sig") -> str:
    """The text of ``path``; a :class:`ValidationError` naming the file when it is missing,
    a folder, or not UTF-8 (a byte-order mark is dropped)."""
    name = path.name
    if not path.is_file():
        raise ValidationError(
            f"{path}: no such file",
            [Finding("the file does not exist", file=name, fix="check the path")],
        )
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as err:
        raise ValidationError(
            f"{name} is not UTF-8 text", [Finding(str(err), file=name, fix="save it as UTF-8")]
        ) from err
