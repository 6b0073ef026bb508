"""Read an import file as a stream of validated rows (or rejections), never whole in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Final
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
_json_object = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_json_string = json.encoder.encode_basestring  # the C implementation when available


# A valid row, in the column order of the import staging tables: (line, email, domain, name,
# language, timezone, country, attributes as JSON object text). A plain tuple of strings and
# numbers on purpose: the garbage collector stops tracking such tuples, which matters with tens
# of thousands of rows waiting in batches (as a dataclass they cost ~2 µs a row in collections).
Row = tuple[int, str, str, str | None, str | None, str | None, str | None, str]
LINE: Final = 0
EMAIL: Final = 1


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
        self._name = self.known.get("name", -1)
        self._language = self.known.get("language", -1)
        self._timezone = self.known.get("timezone", -1)
        self._country = self.known.get("country", -1)
        self.attributes = [
            (i, c[:MAX_ATTRIBUTE_KEY])
            for i, c in enumerate(self.columns)
            if c and i != self.email_index and c not in KNOWN
        ]
        # Attribute keys written as JSON once; each row then only encodes its values. With a
        # repeated key (two columns of one name) the rows go through a dict instead.
        keys = [key for _, key in self.attributes]
        self._json_keys = (
            [(i, _json_string(key) + ":") for i, key in self.attributes]
            if len(set(keys)) == len(keys)
            else None
        )

    @property
    def bytes_read(self) -> int:
        return self.counter.count

    def __iter__(self) -> Iterator[Row | Rejected]:
        reader = self._reader
        width = len(self.columns)
        row = self._row
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
            yield row(line, cells)

    def _row(self, line: int, cells: list[str]) -> Row | Rejected:
        if max(map(len, cells)) > MAX_FIELD:
            return Rejected(line, "a cell is too long", cells)
        try:
            email = normalise_email(cells[self.email_index])
        except ValidationFailed:
            return Rejected(line, "invalid email address", cells)
        name = language = timezone = country = None
        if self._name >= 0:
            name = cells[self._name].strip()[:200] or None
        if self._language >= 0:
            language = cells[self._language].strip().lower() or None
            if language and language not in LANGUAGES:
                return Rejected(line, f"unsupported language {language!r}", cells)
        if self._timezone >= 0:
            timezone = cells[self._timezone].strip() or None
            if timezone and not _valid_tz(timezone):
                return Rejected(line, f"unknown time zone {timezone!r}", cells)
        if self._country >= 0:
            country = cells[self._country].strip().upper() or None
            if country and (len(country) != 2 or not country.isalpha()):
                return Rejected(line, f"country must be a 2-letter code, got {country!r}", cells)
        if self._json_keys is not None:
            attributes = (
                "{"
                + ",".join([key + _json_string(cells[i]) for i, key in self._json_keys if cells[i]])
                + "}"
            )
        else:
            attributes = _json_object({key: cells[i] for i, key in self.attributes if cells[i]})
        domain = email[email.index("@") + 1 :]
        return (line, email, domain, name, language, timezone, country, attributes)


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
