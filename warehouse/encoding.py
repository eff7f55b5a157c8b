"""Which text encoding a CSV file is read with: the one its byte order mark names, else the
configured one, unless the bytes say otherwise (or that it is no text at all: a workbook, a
binary file). Excel saves CSV in the Windows code page (cp1252 in Western Europe) and its
"Unicode Text" in UTF-16, ERPs mostly write UTF-8, so one folder often holds several; a night
should not stop over an umlaut, nor turn "für" into "fÃ¼r" in another file, without saying
so."""

from __future__ import annotations

import codecs
from pathlib import Path

FALLBACK = "cp1252"  # what Excel's "CSV" writes on Western European Windows
_BLOCK = 1 << 20
# how workbooks start, which no text does: a zip archive (.xlsx, .ods) and an OLE2 file (.xls)
WORKBOOKS = {b"PK\x03\x04": ".xlsx", bytes.fromhex("d0cf11e0a1b11ae1"): ".xls"}
# byte order marks and the encoding each names (a codec that drops the mark), UTF-32's first:
# its little-endian mark starts as UTF-16's
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decodes(path: Path, encoding: str) -> tuple[bool, bool]:
    """(every byte decodes as `encoding` and none is NUL, some byte is not ASCII), read in
    blocks. NUL bytes are binary or UTF-16 (Excel's "Unicode text"), never cp1252 text."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    non_ascii = False
    with path.open("rb") as handle:
        try:
            for block in iter(lambda: handle.read(_BLOCK), b""):
                non_ascii = non_ascii or not block.isascii()
                if b"\x00" in block:
                    return False, non_ascii
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, True
    return True, non_ascii


def workbook(path: Path) -> str | None:
    """Why `path` is no text CSV when it starts as an Excel workbook does (None otherwise):
    no encoding reads it, so none is to be suggested."""
    with path.open("rb") as handle:
        head = handle.read(8)
    for signature, suffix in WORKBOOKS.items():
        if head.startswith(signature):
            return (
                f"not a text CSV file: it starts like an Excel workbook ({suffix}): save it as CSV"
            )
    return None


def binary(path: Path) -> str | None:
    """Why `path`, whose text does not decode, is no text CSV at all: a NUL byte in its first
    block, which text holds only in UTF-16 or UTF-32 (with their byte order mark); None when
    it may be text in another encoding."""
    with path.open("rb") as handle:
        head = handle.read(_BLOCK)
    nul = head.find(b"\x00")
    if nul < 0 or marked(head) not in (None, "utf-8-sig"):
        return None
    return f"not a text CSV file: byte {nul:,} is a NUL byte, as in binary files"


def marked(head: bytes) -> str | None:
    """The encoding the byte order mark that `head` starts with names ("utf-8-sig", "utf-16",
    "utf-32"), None without one."""
    return next((encoding for bom, encoding in _BOMS if head.startswith(bom)), None)


def bom_encoding(path: Path) -> str | None:
    """`marked` of the file's first bytes: a file that starts with a byte order mark was
    written in its encoding, so a byte that does not decode is an error to name, not a sign of
    cp1252 (which would read UTF-8's mark as 'ï»¿', UTF-16's as 'ÿþ' and a NUL per letter)."""
    with path.open("rb") as handle:
        return marked(handle.read(4))


def shown(encoding: str) -> str:
    """How a note names `encoding`: UTF-8, UTF-16, UTF-32 for their codecs, else as given."""
    name = codecs.lookup(encoding).name
    for family in ("utf-8", "utf-16", "utf-32"):
        if name.startswith(family):
            return family.upper()
    return encoding


def _is_utf8(encoding: str) -> bool:
    return shown(encoding) == "UTF-8"


def _sample(path: Path, encoding: str) -> str:
    """The first line with a character beyond ASCII, as `encoding` reads it (60 characters
    around it at most), so that a planner sees whether the guess reads right."""
    with path.open(encoding=encoding, errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            pos = next((i for i, ch in enumerate(line) if ord(ch) > 127), None)
            if pos is not None:
                start = max(0, pos - 30)
                return f"line {number}: {line[start : start + 60].strip()!r}"
    return ""


def choose(path: Path, configured: str, section: str) -> tuple[str, str | None]:
    """The encoding to read `path` with, and a note when it is not `configured`:
    a file that starts with a byte order mark is read as the encoding the mark names whatever
    is configured (an encoding configured for a section's files does not name this file's:
    any other would read the mark as part of the first column's name, and UTF-16 as a NUL per
    letter), a damaged one's error naming the byte. Otherwise a file configured as UTF-8 that
    is not, but is valid cp1252, is read as cp1252; a file configured otherwise whose bytes
    are valid UTF-8 with some beyond ASCII is read as UTF-8 (text in another single-byte
    encoding almost never forms valid UTF-8); else the configured encoding, whose error (if
    any) names the byte."""
    if mark := bom_encoding(path):
        if shown(mark) == shown(configured):
            return mark, None
        excel = ' (as Excel\'s "Unicode Text" writes)' if mark == "utf-16" else ""
        return mark, (
            f"{path.name}: read as {shown(mark)}, not {shown(configured)}: it starts with "
            f"{shown(mark)}'s byte order mark{excel}, which names its encoding"
        )
    utf8, non_ascii = _decodes(path, "utf-8-sig")
    if _is_utf8(configured):
        if utf8 or not _decodes(path, FALLBACK)[0]:
            return configured, None
        chosen, why = FALLBACK, "its bytes are not UTF-8"
    elif utf8 and non_ascii:
        chosen, why = "utf-8-sig", f"its text is UTF-8, which {configured} would misread"
    else:
        return configured, None
    return chosen, (
        f"{path.name}: read as {shown(chosen)}, not {shown(configured)}: {why} "
        f"({_sample(path, chosen)}); if that text reads wrong, set `encoding` under "
        f"[{section}] in load.toml"
    )
