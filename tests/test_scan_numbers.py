"""The compiled number scanner (`scan.scan_uint_columns`) against a model of its contract
written byte by byte in Python: the same status, stopping place, count, offending byte and
values on random arrays (numbers of 1 to 12 digits, values past 32 bits, every separator,
doubled commas, bad bytes, a minus sign, the closing bracket, a chunk cut inside a number, an
output that fills up). The scanner parses most numbers in a loop without per-number checks;
this is what keeps its answers the checked loop's."""

from __future__ import annotations

import random

import numpy as np
import pytest

from leaktui.snapshot import scan

BLANKS = b" \n\r\t"


def model(data: bytes, pos: int, end: int, final: bool, fields: int, rows: int,
          count: int) -> tuple[int, int, int, int, list[int]]:
    """(status, pos, count, offending byte, values written) as the contract says."""
    values: list[int] = []
    i = pos
    while i < end:
        if 48 <= data[i] <= 57:
            start = i
            while i < end and 48 <= data[i] <= 57:
                i += 1
            if i == end and not final:
                return scan.NEED_MORE, start, count, 0, values
            value = int(data[start:i])
            if i - start > 10 or value > 0xFFFFFFFF:
                return scan.TOO_BIG, start, count, 0, values
            if count // fields >= rows:
                return scan.OVERFLOW, start, count, 0, values
            values.append(value)
            count += 1
            continue
        byte = data[i]
        if byte == 44 or byte in BLANKS:
            i += 1
            continue
        if byte == 93:
            return scan.DONE, i + 1, count, 0, values
        return (scan.NEGATIVE if byte == 45 else scan.BAD_CHAR), i, count, byte, values
    return scan.NEED_MORE, i, count, 0, values


def random_array(rng: random.Random, n: int, oddities: bool) -> bytes:
    parts = []
    for _ in range(n):
        digits = rng.choice([1, 1, 1, 2, 3, 5, 6, 7, 8, 9, 10]) if not oddities or \
            rng.random() > 0.05 else rng.choice([10, 11, 12])
        number = str(rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10 ** digits))
        if oddities and rng.random() < 0.01:
            number = rng.choice(["-3", "x", '"', "4294967296", "4294967295", "0000000001",
                                 "00000000001"])
        parts.append(number)
        parts.append(rng.choice([",", ",", ",", ",\n", "\n,", ", ", ",,", "\t,", " ", "\r\n,"]))
    parts.append("]" if rng.random() < 0.8 else ",7")
    parts.append(rng.choice(["", ',"strings":["a"]}', "  9,9,9"]))
    return "".join(parts).encode()


def run_both(data: bytes, pos: int, end: int, final: bool, fields: int, rows: int,
             count: int) -> None:
    buf = np.frombuffer(data, dtype=np.uint8)
    out = np.full((fields, rows), 0xDEADBEEF, dtype=np.uint32)
    status, stop, got, offending = scan.scan_uint_columns(buf, pos, final, out, count, end)
    want = model(data, pos, end, final, fields, rows, count)
    assert (status, stop, got, offending) == want[:4], data[pos:end][:200]
    flat = out.T.ravel()  # value k sits at out[k % fields, k // fields]
    assert flat[count:got].tolist() == want[4]
    assert (flat[got:] == 0xDEADBEEF).all() and (flat[:count] == 0xDEADBEEF).all()


@pytest.mark.parametrize("seed", range(40))
def test_random_arrays_parse_as_the_byte_by_byte_model_says(seed: int) -> None:
    rng = random.Random(seed)
    data = random_array(rng, rng.randrange(1, 3000), oddities=seed % 2 == 1)
    fields = rng.choice([1, 3, 6, 7])
    values = data.count(b",") + 2
    rows = rng.choice([values // fields + 2, max(1, values // fields // 2)])  # or fills up
    end = len(data) if rng.random() < 0.5 else rng.randrange(0, len(data) + 1)
    pos = rng.randrange(0, 3) if end >= 3 else 0
    count = rng.randrange(0, fields * 2)
    for final in (True, False):
        run_both(data, pos, end, final, fields, rows + count // fields + 1, count)


def test_a_chunk_ending_inside_a_number_leaves_it_for_the_next_unless_final() -> None:
    data = b"1,22,333,4444"
    run_both(data, 0, len(data), False, 1, 10, 0)
    run_both(data, 0, len(data) - 2, False, 1, 10, 0)
    run_both(data, 0, len(data), True, 1, 10, 0)


@pytest.mark.parametrize("text", ["7,4294967296,1]", "7,12345678901,1]", "7,00000000001,1]",
                                  "7,0000000001,1]", "7,-1]", "7,x]",
                                  "1,2,3,4,5,6,7,8,9]"])
def test_bad_values_and_a_full_output_stop_where_the_model_stops(text: str) -> None:
    run_both(text.encode(), 0, len(text), True, 2, 3, 0)
