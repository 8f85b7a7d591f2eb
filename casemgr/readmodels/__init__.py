"""The read model: its tables (``view``), its projection and its queries.

A deadline's rule is a ``casemgr.texts.Text``; both database drivers are told here to store
one as its ``encode``-ing (its template and parameters, as JSON), whatever code hands it to
them, and the queries ``decode`` it again. So the read model keeps what the rule needs to
be said in Japanese, and a rule stored as plain English (before texts) still reads.
"""

from __future__ import annotations

import sqlite3

import psycopg
from psycopg.adapt import Dumper

from casemgr.texts import Text, encode


class _TextDumper(Dumper):
    oid = psycopg.adapters.types["text"].oid

    def dump(self, obj: Text) -> bytes:
        return encode(obj).encode()


sqlite3.register_adapter(Text, encode)
psycopg.adapters.register_dumper(Text, _TextDumper)
