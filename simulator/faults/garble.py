"""Corrupt one outbound FIX message the way a bad line or a broken gateway would.

Each mode makes a message the FIX Session Layer Test Cases tell the receiver to *ignore without
counting it* (FIX 4.4 Vol. 2, test cases 2d, 2m and 3b), so a conformant firm engine drops it and
then notices the sequence gap at the next message and asks for a resend -- which the facility
answers from its store with the intact original:

* ``checksum``: CheckSum (10) off by one (test case 3b);
* ``body-length``: BodyLength (9) one too long, so the frame swallows a byte of what follows
  (test case 2m);
* ``bytes``: a few body bytes overwritten with punctuation; CheckSum left as it was, so it no
  longer matches (test case 2d).

Pure and deterministic: the same message and ``salt`` always give the same bytes, so a rehearsal
repeats to the byte.
"""

from __future__ import annotations

import random

from simulator.faults.spec import GarbleMode

SOH = 0x01
_NOISE = b"#$%&*?!~"


def _checksum_at(raw: bytes) -> int:
    """Offset of the CheckSum value (after ``<SOH>10=``), or -1."""
    index = raw.rfind(b"\x0110=")
    return -1 if index < 0 else index + 4


def garble(raw: bytes, mode: GarbleMode, salt: int = 0) -> bytes:
    """``raw`` corrupted according to ``mode`` (never equal to ``raw``)."""
    if mode is GarbleMode.CHECKSUM:
        at = _checksum_at(raw)
        if at < 0 or not raw[at : at + 3].isdigit():
            return raw[:-2] + b"X\x01" if len(raw) > 2 else b"X"
        value = (int(raw[at : at + 3]) + 1) % 256
        return raw[:at] + b"%03d" % value + raw[at + 3 :]
    if mode is GarbleMode.BODY_LENGTH:
        start = raw.find(b"\x019=")
        if start < 0:
            return garble(raw, GarbleMode.CHECKSUM, salt)
        end = raw.find(b"\x01", start + 3)
        digits = raw[start + 3 : end]
        if end < 0 or not digits.isdigit():
            return garble(raw, GarbleMode.CHECKSUM, salt)
        return raw[: start + 3] + str(int(digits) + 1).encode() + raw[end:]
    # BYTES: overwrite some body bytes (after 35=, before 10=) that are not field separators
    body_start = raw.find(b"\x0135=")
    body_end = raw.rfind(b"\x0110=")
    if body_start < 0 or body_end <= body_start + 5:
        return garble(raw, GarbleMode.CHECKSUM, salt)
    positions = [i for i in range(body_start + 5, body_end) if raw[i] != SOH]
    if not positions:
        return garble(raw, GarbleMode.CHECKSUM, salt)
    rng = random.Random(salt)
    data = bytearray(raw)
    for index in rng.sample(positions, min(3, len(positions))):
        choices = [c for c in _NOISE if c != data[index]]
        data[index] = rng.choice(choices)
    if sum(data) % 256 == sum(raw) % 256:  # make sure the stale CheckSum no longer matches
        index = positions[0]
        data[index] = _NOISE[0] if data[index] != _NOISE[0] else _NOISE[1]
    return bytes(data)


__all__ = ["garble"]
