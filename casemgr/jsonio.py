"""JSON from outside (an import file, an event typed on the command line), read safely.

Hostile JSON must end in a DomainError naming its source, never a trace: too
large, not UTF-8, a number of thousands of digits (Python refuses to convert
it), nesting deep enough to exhaust the stack, a key given twice in one object
(JSON parsers disagree on which one wins), NaN or Infinity (not JSON).
"""

from __future__ import annotations

import json
from typing import IO, Any

from casemgr.errors import DomainError
from events.values import shown

MAX_IMPORT_BYTES = 50 * 2**20  # an incident log file
MAX_EVENT_BYTES = 1 * 2**20  # one event (EVENT_JSON, a request body)
MAX_DIGITS = 30  # of a number: yen and counts have at most 16
MAX_DEPTH = 32  # of nested objects and lists: an incident log needs 6


def read_limited(stream: IO[bytes], limit: int, source: str) -> bytes:
    """At most ``limit`` bytes of ``stream``; a longer (or endless) one is refused."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"larger than {_size(limit)}, the limit for this input", source)
    return data


def load_json(data: str | bytes, source: str, limit: int = MAX_EVENT_BYTES) -> Any:
    """Parse JSON text (bytes are UTF-8), or raise DomainError with ``field=source``."""
    if len(data) > limit:
        raise DomainError(f"larger than {_size(limit)}, the limit for this input", source)
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DomainError(f"not UTF-8 text (byte {exc.start})", source) from None
    hooks = {"object_pairs_hook": _object(source), "parse_int": _int(source), "parse_constant": _constant(source)}
    try:
        value = json.loads(data, **hooks)
    except json.JSONDecodeError as exc:
        raise DomainError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", source) from None
    except RecursionError:
        raise DomainError(f"nested too deeply (at most {MAX_DEPTH} levels)", source) from None
    _check_depth(value, source)
    return value


def _object(source: str):
    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    raise DomainError(f"the key {shown(key)} appears twice in one object", source)
                seen.add(key)
        return obj
    return build


def _int(source: str):
    def parse(text: str) -> int:
        if len(text.lstrip("-")) > MAX_DIGITS:
            raise DomainError(f"a number of {len(text.lstrip('-')):,} digits (at most {MAX_DIGITS})", source)
        return int(text)
    return parse


def _constant(source: str):
    def parse(name: str) -> Any:
        raise DomainError(f"{name} is not a JSON number", source)
    return parse


def _check_depth(value: Any, source: str) -> None:
    level = [value]
    for _ in range(MAX_DEPTH):
        level = [item for node in level if isinstance(node, (dict, list))
                 for item in (node.values() if isinstance(node, dict) else node)]
        if not level:
            return
    if any(isinstance(node, (dict, list)) for node in level):
        raise DomainError(f"nested too deeply (at most {MAX_DEPTH} levels)", source)


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit:,} bytes"
