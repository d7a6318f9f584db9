"""Local test servers on loopback: a minimal SMTP receiver and an HTTP receiver that plays
both a webhook endpoint and a fake Telegram Bot API (configurable base URL)."""

from __future__ import annotations

import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:  # a tiny RFC 5321 subset: enough for smtplib.send_message
        self.wfile.write(b"220 localhost test SMTP\r\n")
        mail: dict = {"rcpt": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            up = cmd.upper()
            if up.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250-localhost\r\n250 8BITMIME\r\n")
            elif up.startswith("MAIL FROM"):
                mail["from"] = cmd[10:].strip()
                self.wfile.write(b"250 OK\r\n")
            elif up.startswith("RCPT TO"):
                mail["rcpt"].append(cmd[8:].strip())
                self.wfile.write(b"250 OK\r\n")
            elif up == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = []
                while True:
                    dl = self.rfile.readline()
                    if dl in (b".\r\n", b".\n", b""):
                        break
                    data.append(dl)
                mail["data"] = b"".join(data)
                self.server.messages.append(dict(mail))  # type: ignore[attr-defined]
                mail = {"rcpt": []}
                self.wfile.write(b"250 queued\r\n")
            elif up == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[dict] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]


class _HTTPHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        srv = self.server
        srv.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})  # type: ignore[attr-defined]
        status = srv.status  # type: ignore[attr-defined]
        out = json.dumps({"ok": status == 200, "result": {}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


class HTTPReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HTTPHandler)
        self.requests: list[dict] = []
        self.status = 200
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"
