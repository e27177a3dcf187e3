#!/usr/bin/env python3
"""blob_fault_server.py - a minimal Blob service on 127.0.0.1 for the one
thing Azurite cannot do: break a download in the middle.  It serves the
files under --dir as the blobs of one container (List Blobs XML, GET with
Range) without checking credentials, and on the first GET of each blob
whose name contains --cut SUBSTR sends half of the body and closes the
connection (the client must retry and must not feed the first half twice
into the ingest); with --change-on-retry the retry serves other bytes (the
client must notice).  Every GET is logged to --log.  The chosen port is
written to --port-file.
"""
import argparse
import email.utils
import hashlib
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
CUT = set()
LOCK = threading.Lock()


def blobs():
    out = []
    for dirpath, _, files in os.walk(ARGS.dir):
        for f in files:
            p = os.path.join(dirpath, f)
            out.append(os.path.relpath(p, ARGS.dir))
    return sorted(out)


def etag(data):
    return '"0x%s"' % hashlib.sha256(data).hexdigest()[:16].upper()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, data, headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        parts = urllib.parse.unquote(url.path).split("/", 3)  # /acct/container/blob
        if ARGS.log:
            with LOCK, open(ARGS.log, "a") as f:
                f.write("%s %s\n" % (url.path, self.headers.get("Range")))
        if q.get("comp") == ["list"]:
            items = "".join(
                "<Blob><Name>%s</Name><Properties><Last-Modified>%s</Last-Modified>"
                "<Etag>%s</Etag><Content-Length>%d</Content-Length></Properties></Blob>"
                % (n, email.utils.formatdate(usegmt=True),
                   etag(open(os.path.join(ARGS.dir, n), "rb").read()),
                   os.path.getsize(os.path.join(ARGS.dir, n)))
                for n in blobs())
            xml = ('<?xml version="1.0" encoding="utf-8"?><EnumerationResults>'
                   "<Blobs>%s</Blobs><NextMarker /></EnumerationResults>" % items)
            return self.send(200, xml.encode(), {"Content-Type": "application/xml"})
        if len(parts) < 4 or parts[2] != ARGS.container:
            return self.send(404, b"<Error><Code>ContainerNotFound</Code></Error>")
        name = parts[3]
        path = os.path.join(ARGS.dir, name)
        if ".." in name.split("/") or not os.path.isfile(path):
            return self.send(404, b"<Error><Code>BlobNotFound</Code></Error>")
        data = open(path, "rb").read()
        first = False
        if ARGS.cut and ARGS.cut in name:
            with LOCK:
                first = name not in CUT
                CUT.add(name)
        if not first and ARGS.change_on_retry and ARGS.cut and ARGS.cut in name:
            data = data.replace(b"10.0", b"10.9", 1)
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
        code, headers = 200, {"ETag": etag(data)}
        if rng:
            if start >= len(data):
                return self.send(416, b"<Error><Code>InvalidRange</Code></Error>")
            code = 206
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, len(data) - 1, len(data))
        body = data[start:]
        if first:
            # announce everything, send half, hang up
            self.send_response(code)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        return self.send(code, body, headers)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--container", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--cut")
    p.add_argument("--change-on-retry", action="store_true")
    p.add_argument("--lifetime", type=float, default=120)
    ARGS = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, ARGS.port_file)
    threading.Timer(ARGS.lifetime, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
