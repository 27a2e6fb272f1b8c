"""`high-cardinality-key`: a cache whose keys almost never repeat (request ids, timestamps,
IPs, user agents, URLs with query strings), so every lookup adds an entry.

Keys on what the keys look like (a sample of them, read from the Map's table, the Set's members
or the object's property names), never on what the cache is called: values that are unique by
nature (uuids, long hex/base64 tokens, IPs, epoch or ISO times, user agents, query strings),
long composites of several parts, and non-integer numeric keys (timestamps, floats)."""

from __future__ import annotations

import os
import re

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.suspects.base import (
    SIZE_MARK,
    STRING_CLASSES,
    Series,
    Suspect,
    holder_label,
)
from leaktui.suspects.containers import (
    Container,
    container_severity,
    container_suspect,
    containers,
    growth_evidence,
    index_owner,
    worth_reporting,
)

PATTERN = "high-cardinality-key"
SAMPLE = 300
MIN_SHARE = 0.6
EPOCH_DIGITS = 10

_UNIQUE_PART = [
    ("an IP address", re.compile(r"(?<![\d.])\d{1,3}(\.\d{1,3}){3}(?![\d.])")),
    ("an IPv6 address", re.compile(r"\b[0-9a-f]{1,4}(:[0-9a-f]{0,4}){4,7}\b", re.I)),
    ("a uuid", re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)),
    ("a hex token", re.compile(r"(?<![0-9a-z])[0-9a-f]{16,}(?![0-9a-z])", re.I)),
    ("a timestamp", re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")),
    ("an epoch time", re.compile(r"(?<!\d)1[5-9]\d{8}(\d{3})?(?!\d)")),
    ("a user agent", re.compile(r"Mozilla/|AppleWebKit|Chrome/|Safari/|curl/|python-requests|"
                                r"okhttp|Go-http-client|bot\b", re.I)),
    ("a query string", re.compile(r"\?[^=&\s]+=[^&\s]*")),
    ("a random token", re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Z])"
                                  r"(?=[A-Za-z0-9_-]*[a-z])[A-Za-z0-9_-]{20,}")),
]
_SEPARATORS = re.compile(r"[|:/;,# ]")


def unique_part(key: str) -> str | None:
    """What makes a key (almost) never repeat, or None for an ordinary key (`user-42`)."""
    for label, pattern in _UNIQUE_PART:
        if pattern.search(key):
            return label
    if len(key) >= 32 and len(_SEPARATORS.findall(key)) >= 3 and any(c.isdigit() for c in key):
        return "a long composite of several values"
    return None


def sample_keys(snap: HeapSnapshot, c: Container) -> tuple[list[str], int]:
    """Key texts (strings only) and how many sampled keys are non-integer numbers."""
    if c.kind == "object":  # small integer keys are ids (array indexes); epoch times are not
        return [k for k in c.entries.key_names[:SAMPLE]
                if not (k.isdigit() and len(k) < EPOCH_DIGITS)], 0
    keys = c.entries.keys
    if keys.size > SAMPLE:
        keys = keys[np.linspace(0, keys.size - 1, SAMPLE).astype(np.int64)]
    kinds = np.asarray(snap.class_names, dtype=object)[snap.class_id[keys]]
    strings = keys[np.isin(kinds, np.asarray(STRING_CLASSES, dtype=object))]
    numbers = int((snap.node_type[keys] == snap.node_type_names.index("number")).sum()
                  if "number" in snap.node_type_names else 0)
    return [snap.name(int(k)) for k in strings], numbers


def judge_keys(snap: HeapSnapshot, c: Container) -> tuple[bool, list[str]]:
    """Whether the keys look near-unique, with the evidence."""
    texts, numbers = sample_keys(snap, c)
    looked = len(texts) + numbers
    if looked == 0:
        return False, []
    labels = [label for label in (unique_part(k) for k in texts) if label]
    unique = len(labels) + numbers
    if unique < MIN_SHARE * looked:
        return False, []
    evidence = []
    if labels:
        common = max(set(labels), key=labels.count)
        examples = ", ".join(repr(k) for k in _excerpts(texts[0], texts[-1]))
        evidence.append(f"{len(labels)} of {looked} sampled keys contain {common} or another "
                        f"value that rarely repeats, e.g. {examples}")
    if numbers:
        evidence.append(f"{numbers} of {looked} sampled keys are non-integer numbers "
                        "(timestamps, floats): each lookup makes a new key")
    return True, evidence


def _excerpts(a: str, b: str, width: int = 48, before: int = 16) -> tuple[str, ...]:
    """Two keys cut to ``width`` characters where they differ (after a long common prefix,
    `…` and the text from a little before the first difference), so what makes them unique
    shows; one when they are the same key."""
    if a == b:
        return (_cut(a, 0, width),)
    common = len(os.path.commonprefix([a, b]))
    start = max(common - before, 0) if common > width - before else 0
    return _cut(a, start, width), _cut(b, start, width)


def _cut(text: str, start: int, width: int) -> str:
    return ("…" if start else "") + text[start:start + width] + (
        "…" if len(text) > start + width else "")


def shared_values(snap: HeapSnapshot, c: Container) -> str | None:
    """Evidence that many keys map to few distinct (or tiny) values: the cache saves little."""
    values = c.entries.values
    if values.size < 20 or c.kind == "set":
        return None
    distinct = np.unique(values).size
    if distinct <= values.size / 4:
        keys = (f"{values.size:,} keys" if values.size >= c.count
                else f"{values.size:,} sampled keys (of {c.count:,})")
        return f"{keys} share only {distinct:,} distinct values"
    mean = float(snap.retained_size[values].mean())
    if mean <= 128:
        return f"values are small ({mean:.0f} B each on average): the keys cost as much"
    return None


def detect(series: Series) -> list[Suspect]:
    snap = series.last
    out = []
    for c in containers(series):
        if c.grows_as == "array" or c.nested or series.is_claimed(c.node):
            continue
        if not worth_reporting(series, c):
            continue
        unique, evidence = judge_keys(snap, c)
        if not unique:
            continue
        hint = shared_values(snap, c)
        if hint:
            evidence.append(hint)
        evidence += growth_evidence(series, c, "entries")
        severity = container_severity(series, c, evidence)
        owner = index_owner(series, c)  # an LRU's index: the cache is what owns it
        title = (f"{holder_label(series, c.node if owner < 0 else owner)} caches {c.count:,} "
                 f"entries under near-unique keys, holding {SIZE_MARK}")
        advice = ("Normalise the key to what the cached value depends on (drop timestamps, "
                  "request ids, raw user agents and query strings; bucket IPs), and bound the "
                  "cache (an LRU with a size limit, a TTL).")
        out.append(container_suspect(series, c, PATTERN, severity, title, evidence, advice,
                                     holder=owner if owner >= 0 else None))
    return out
