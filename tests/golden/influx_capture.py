#!/usr/bin/env python3
"""influx_capture.py - a recording HTTP proxy between `tep run` and InfluxDB (tests/cli_golden.sh).

Usage: influx_capture.py UPSTREAM_URL LOG_FILE PORT_FILE
Listens on 127.0.0.1 (a free port, written to PORT_FILE once it listens), forwards every request
to UPSTREAM_URL (the real influxd: method, path, headers, body) and answers with influxd's
status, headers and body. LOG_FILE gets each request as tep sent it, in order, as text a diff can
show: a line '### METHOD PATH', then for /write the line-protocol body as sent, for /query the
form fields URL-decoded (one 'name=value' line each), never any header (they hold the password).
Runs until killed (SIGTERM).
"""
import http.client
import http.server
import os
import sys
import threading
import urllib.parse

upstream = urllib.parse.urlsplit(sys.argv[1])
log_path, port_path = sys.argv[2], sys.argv[3]
log_lock = threading.Lock()
# hop-by-hop headers (RFC 9110 7.6.1) and those this proxy sets itself
SKIP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                "proxy-connection", "content-length", "host", "expect"}


def record(method, path, body):
    out = [f"### {method} {path}\n"]
    if urllib.parse.urlsplit(path).path == "/query" and body:
        for name, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
            out.append(f"{name}={value}\n")
    elif body:
        text = body.decode()
        out.append(text if text.endswith("\n") else text + "\n(no final newline)\n")
    with log_lock, open(log_path, "a", encoding="utf-8") as log:
        log.write("".join(out))


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as libcurl expects

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        record(self.command, self.path, body)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in SKIP_HEADERS}
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        try:
            conn.request(self.command, self.path, body=body if body else None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in SKIP_HEADERS:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        finally:
            conn.close()

    do_GET = do_POST = do_HEAD = forward

    def log_message(self, fmt, *args):  # no access log on stderr
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
with open(port_path + ".tmp", "w", encoding="ascii") as f:
    f.write(f"{server.server_address[1]}\n")
os.rename(port_path + ".tmp", port_path)
server.serve_forever()
