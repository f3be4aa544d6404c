#!/usr/bin/env python3
"""Concurrent large uploads against a local echo-server, for a bounded time.

   uploads.py PORT [--connections 500] [--size 1048576] [--seconds 20]

Each of the N connections posts a JSON object of SIZE bytes (Content-Length, whole body written before the answer is
read, as most clients do), reads the answer, and repeats on a new connection until the time is up. Prints one line of
counts: answers by status, connection resets, other errors, echoes that differed from what was sent. Loopback only.
"""
import argparse
import asyncio
import collections
import time


def body_of(size):
    prefix, suffix = b'{"p":"', b'"}'
    return prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix


async def upload(port, body, counts, deadline):
    head = (b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            counts["connect_error"] += 1
            await asyncio.sleep(0.05)
            continue
        try:
            writer.write(head)
            writer.write(body)
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                counts["closed_without_answer"] += 1
                continue
            status = int(status_line.split()[1])
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            answer = await reader.readexactly(length)
            counts[status] += 1
            if status == 200 and answer != body:
                counts["echo_mismatch"] += 1
        except ConnectionResetError:
            counts["reset"] += 1
        except (asyncio.IncompleteReadError, BrokenPipeError, OSError) as e:
            counts[type(e).__name__] += 1
        finally:
            writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--size", type=int, default=1024 * 1024)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    body = body_of(args.size)
    counts = collections.Counter()
    deadline = time.monotonic() + args.seconds
    await asyncio.gather(*(upload(args.port, body, counts, deadline) for _ in range(args.connections)))
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))))


if __name__ == "__main__":
    asyncio.run(main())
