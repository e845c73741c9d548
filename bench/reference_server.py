"""The minimal asyncio FIX server every benchmark figure is compared with (issue 3 "Speed").

It does the least a FIX acceptor can do and still be one: it frames each inbound message by
BeginString, BodyLength (9) and CheckSum (10) -- verifying the checksum, as any FIX engine must
before it trusts a message -- and writes back one fixed, pre-encoded acknowledgement for each
message it frames (``writer.write`` per message, then ``drain()`` once per read). No validation,
no session state, no storage. It reads with the same asyncio streams and the same 64 KiB reads as
the simulator's transport (:mod:`simulator.fix.transport`).

``--batch-writes`` joins the acknowledgements of one read into a single ``write`` (as the
simulator's transport does with everything it has to send). That is not what the issue's minimal
server does; it exists to show how much of the reference's rate is system calls
(docs/performance.md reports both).

Run it alone (``python bench/reference_server.py --port 9999``) or let
``bench/fix_throughput.py`` start it; it prints ``READY <port>`` once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import signal
import sys

READ_SIZE = 64 * 1024
SOH = 0x01


def _encode(fields: list[tuple[int, str]], begin_string: str = "FIX.4.4") -> bytes:
    body = "".join(f"{tag}={value}\x01" for tag, value in fields).encode("ascii")
    head = f"8={begin_string}\x019={len(body)}\x01".encode("ascii")
    return head + body + b"10=%03d\x01" % ((sum(head) + sum(body)) % 256)


#: A TRACE-sized acknowledgement (35=AE, 1011=CAEN), the same bytes every time.
FIXED_ACK = _encode(
    [
        (35, "AE"), (49, "FNRA"), (56, "ACMEFIX"), (50, "CA"), (34, "1"),
        (52, "20260105-15:00:00"), (1011, "CAEN"), (571, "CAEN2000000000"), (572, "B0"),
        (22011, "20260105"), (1003, "2000000000"), (487, "0"), (856, "0"), (570, "N"),
        (48, "037833100"), (22, "1"), (32, "100000.00"), (31, "101.250000"), (75, "20260105"),
        (60, "20260105-14:59:00"), (552, "2"), (54, "2"), (37, "NONE"), (453, "1"),
        (448, "ACME"), (447, "C"), (452, "1"), (528, "P"), (54, "1"), (37, "NONE"),
        (453, "1"), (448, "BETA"), (447, "C"), (452, "17"), (22016, "S1"),
    ]
)  # fmt: skip


class Framer:
    """Frames by BodyLength and CheckSum; a bad frame is skipped to the next ``8=FIX``."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.bad = 0

    def feed(self, data: bytes) -> int:
        """Add ``data``; return how many complete, correctly checksummed messages it finished."""
        buf = self.buffer
        buf += data
        pos = 0
        count = 0
        end_of_data = len(buf)
        while True:
            start = buf.find(b"8=FIX", pos)
            if start < 0:
                pos = max(pos, end_of_data - 4)
                break
            soh1 = buf.find(b"\x019=", start)
            if soh1 < 0:
                pos = start
                break
            soh2 = buf.find(b"\x01", soh1 + 3)
            if soh2 < 0:
                pos = start
                break
            length_text = bytes(buf[soh1 + 3 : soh2])
            if not length_text.isdigit():
                self.bad += 1
                pos = start + 1
                continue
            trailer = soh2 + 1 + int(length_text)
            end = trailer + 7
            if end > end_of_data:
                pos = start
                break
            if buf[trailer : trailer + 3] != b"10=" or buf[end - 1] != SOH:
                self.bad += 1
                pos = start + 1
                continue
            if sum(memoryview(buf)[start:trailer]) % 256 != int(buf[trailer + 3 : end - 1]):
                self.bad += 1
            else:
                count += 1
            pos = end
        if pos:
            del buf[:pos]
        return count


async def handle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, batch_writes: bool = False
) -> None:
    framer = Framer()
    try:
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                break
            count = framer.feed(data)
            if not count:
                continue
            if batch_writes:
                writer.write(FIXED_ACK * count)
            else:
                for _ in range(count):
                    writer.write(FIXED_ACK)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def serve(host: str, port: int, batch_writes: bool = False) -> None:
    server = await asyncio.start_server(
        functools.partial(handle, batch_writes=batch_writes), host, port
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"READY {bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument(
        "--batch-writes", action="store_true", help="one write per read, not per message"
    )
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.batch_writes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
