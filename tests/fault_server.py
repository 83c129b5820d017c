"""A local TCP server that misbehaves on purpose, for faults an HTTP framework will not produce.

Modes: ``reset`` (read the request, then abort the connection with a TCP reset),
``reset-mid-body`` (send the headers and half the body, then reset), ``hang`` (read the
request and never answer), ``truncate`` (announce ``Content-Length`` of the whole body,
send half of it, close).
"""

from __future__ import annotations

import socket
import struct
import threading


class FaultServer:
    def __init__(self, mode: str, body: bytes = b"x" * 1000):
        self.mode, self.body, self.hits = mode, body, 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.open: list[socket.socket] = []
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            data = b""
            conn.settimeout(2)
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {len(self.body)}\r\n"
                    f"Connection: close\r\n\r\n").encode()
            if self.mode == "hang":
                self.open.append(conn)
                continue
            try:
                if self.mode == "truncate":
                    conn.sendall(head + self.body[: len(self.body) // 2])
                    conn.close()
                elif self.mode == "reset-mid-body":
                    conn.sendall(head + self.body[: len(self.body) // 2])
                    self._reset(conn)
                else:
                    self._reset(conn)
            except OSError:
                pass

    @staticmethod
    def _reset(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def stop(self) -> None:
        self.stopped = True
        for c in self.open:
            try:
                c.close()
            except OSError:
                pass
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
