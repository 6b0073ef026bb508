"""Read an import file as a stream of validated rows (or rejections), never whole in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from herald.kit.errors import ValidationFailed
from herald.kit.i18n import LANGUAGES
from herald.kit.text import normalise_email

EMAIL_HEADERS = {"email", "e-mail", "email address", "email_address", "mail"}
KNOWN = {"name", "language", "timezone", "country"}
MAX_COLUMNS = 100
MAX_FIELD = 8192
MAX_ATTRIBUTE_KEY = 64
csv.field_size_limit(MAX_FIELD * 4)


@dataclass(slots=True)
class Row:
    line: int
    email: str
    domain: str
    name: str | None
    language: str | None
    timezone: str | None
    country: str | None
    attributes: str  # JSON object text


@dataclass(slots=True)
class Rejected:
    line: int
    reason: str
    raw: list[str]


class CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read (progress without seeking)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


_tz_cache: dict[str, bool] = {}


def _valid_tz(name: str) -> bool:
    known = _tz_cache.get(name)
    if known is None:
        try:
            ZoneInfo(name)
            known = len(name) <= 64
        except (ZoneInfoNotFoundError, ValueError):
            known = False
        if len(_tz_cache) < 10_000:
            _tz_cache[name] = known
    return known


class ImportReader:
    """Yields :class:`Row` or :class:`Rejected` for each data line of a CSV file.

    The header must name an email column; ``name``, ``language``, ``timezone`` and ``country``
    are recognised; any other column becomes a custom attribute (string values, empty cells
    omitted). A file that is not UTF-8 text fails with a clear :class:`ValidationFailed`.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        head = raw.read(8192)
        if b"\x00" in head:
            raise ValidationFailed("the file is not a CSV text file (it contains NUL bytes)")
        self.counter = CountingReader(_Prefixed(head, raw))
        text = io.TextIOWrapper(
            io.BufferedReader(self.counter, 1 << 16), encoding="utf-8-sig", newline=""
        )
        first_line = head.decode("utf-8", errors="ignore").split("\n", 1)[0]
        self.delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        self._reader = csv.reader(text, csv.excel, delimiter=self.delimiter, strict=False)
        try:
            header = next(self._reader)
        except StopIteration as exc:
            raise ValidationFailed("the file is empty") from exc
        except UnicodeDecodeError as exc:
            raise ValidationFailed("the file is not UTF-8 text") from exc
        except csv.Error as exc:
            raise ValidationFailed(f"the header line is not valid CSV: {exc}") from exc
        self.columns = [h.strip().lower() for h in header]
        if len(self.columns) > MAX_COLUMNS:
            raise ValidationFailed(f"too many columns (at most {MAX_COLUMNS})")
        emails = [i for i, c in enumerate(self.columns) if c in EMAIL_HEADERS]
        if len(emails) != 1:
            raise ValidationFailed(
                "the header must have exactly one email column (named 'email'); found: "
                + ", ".join(repr(h) for h in header[:10])
            )
        self.email_index = emails[0]
        self.known = {c: i for i, c in enumerate(self.columns) if c in KNOWN}
        self.attributes = [
            (i, c[:MAX_ATTRIBUTE_KEY])
            for i, c in enumerate(self.columns)
            if c and i != self.email_index and c not in KNOWN
        ]

    @property
    def bytes_read(self) -> int:
        return self.counter.count

    def __iter__(self) -> Iterator[Row | Rejected]:
        reader = self._reader
        width = len(self.columns)
        known = self.known
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise ValidationFailed(
                    f"the file is not UTF-8 text (near line {reader.line_num + 1})"
                ) from exc
            except csv.Error as exc:
                yield Rejected(reader.line_num, f"malformed CSV: {exc}", [])
                continue
            line = reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                yield Rejected(line, f"expected {width} columns, found {len(cells)}", cells)
                continue
            yield self._row(line, cells, known)

    def _row(self, line: int, cells: list[str], known: dict[str, int]) -> Row | Rejected:
        if any(len(c) > MAX_FIELD for c in cells):
            return Rejected(line, "a cell is too long", cells)
        try:
            email = normalise_email(cells[self.email_index])
        except ValidationFailed:
            return Rejected(line, "invalid email address", cells)
        name = language = timezone = country = None
        if "name" in known:
            name = cells[known["name"]].strip()[:200] or None
        if "language" in known:
            language = cells[known["language"]].strip().lower() or None
            if language and language not in LANGUAGES:
                return Rejected(line, f"unsupported language {language!r}", cells)
        if "timezone" in known:
            timezone = cells[known["timezone"]].strip() or None
            if timezone and not _valid_tz(timezone):
                return Rejected(line, f"unknown time zone {timezone!r}", cells)
        if "country" in known:
            country = cells[known["country"]].strip().upper() or None
            if country and (len(country) != 2 or not country.isalpha()):
                return Rejected(line, f"country must be a 2-letter code, got {country!r}", cells)
        attrs = {key: cells[i] for i, key in self.attributes if cells[i] != ""}
        return Row(
            line=line,
            email=email,
            domain=email.rsplit("@", 1)[1],
            name=name,
            language=language,
            timezone=timezone,
            country=country,
            attributes=json.dumps(attrs, ensure_ascii=False, separators=(",", ":")),
        )


class _Prefixed(io.RawIOBase):
    """Puts back the bytes already read for sniffing in front of the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0 or size >= len(self.head):
                out, self.head = self.head, b""
                if size < 0:
                    return out + self.rest.read()
                return out + self.rest.read(size - len(out))
            out, self.head = self.head[:size], self.head[size:]
            return out
        return self.rest.read(size)
