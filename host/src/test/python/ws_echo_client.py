"""Interop client for WebSocketInteropTest: Python's websockets library against Spindle's echo socket.

Usage: ws_echo_client.py PORT PATH deflate|plain
Sends binary and text messages of 1 byte to 16 MiB, checks that each comes back whole and equal,
closes with 1000; prints the negotiated extensions, one "ok" line per size, and the close code.
"""
import asyncio
import os
import sys

import websockets

SIZES = [1, 125, 126, 65535, 65536, 1 << 20, 16 << 20]


def text_of(n):
    # n bytes of UTF-8 with two-byte characters in it
    return "\u00e9" * (n // 2) + "a" * (n % 2)


async def main(port, path, mode):
    compression = "deflate" if mode == "deflate" else None
    async with websockets.connect(f"ws://127.0.0.1:{port}{path}", compression=compression,
                                  max_size=None, open_timeout=10, close_timeout=10) as ws:
        print("extensions", ",".join(e.name for e in ws.extensions) or "none", flush=True)
        for n in SIZES:
            data = os.urandom(n)
            await ws.send(data)
            back = await asyncio.wait_for(ws.recv(), 30)
            assert back == data, f"binary {n}: got {len(back)} bytes back"
            text = text_of(n)
            await ws.send(text)
            back = await asyncio.wait_for(ws.recv(), 30)
            assert back == text, f"text {n}: got {len(back)} chars back"
            print("ok", n, flush=True)
        await ws.close(code=1000, reason="done")
        print("closed", ws.close_code, flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
