#!/usr/bin/env python3
"""blob_tool.py - fills Azurite for nsgproof's capture tests, with its own
Shared Key signer (independent of nsgproof's C one) and a service SAS
generator, over Python's standard library only.

  blob_tool.py ENDPOINT ACCOUNT KEY mkcontainer NAME
  blob_tool.py ENDPOINT ACCOUNT KEY blocks CONTAINER BLOB FILE...
      (re)write BLOB as one block per FILE, committed with Put Block List,
      as Azure writes flow logs: growing it inserts blocks before the last
  blob_tool.py ENDPOINT ACCOUNT KEY sas CONTAINER
      print a service SAS (read, list) for the container, valid one hour
"""
import base64
import datetime
import hashlib
import hmac
import sys
import urllib.parse
import urllib.request

VERSION = "2023-11-03"


def sign(account, key, method, url, headers):
    u = urllib.parse.urlsplit(url)
    std = ["content-encoding", "content-language", "content-length",
           "content-md5", "content-type", "date", "if-modified-since",
           "if-match", "if-none-match", "if-unmodified-since", "range"]
    low = {k.lower(): v for k, v in headers.items()}
    parts = [method]
    for h in std:
        v = low.get(h, "")
        if h == "content-length" and v == "0":
            v = ""
        parts.append(v)
    canon_h = "".join("%s:%s\n" % (k, low[k].strip())
                      for k in sorted(k for k in low if k.startswith("x-ms-")))
    res = "/" + account + u.path
    q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
    for k in sorted(q, key=str.lower):
        res += "\n%s:%s" % (k.lower(), ",".join(sorted(q[k])))
    sts = "\n".join(parts) + "\n" + canon_h + res
    mac = hmac.new(base64.b64decode(key), sts.encode(), hashlib.sha256)
    return "SharedKey %s:%s" % (account, base64.b64encode(mac.digest()).decode())


def call(endpoint, account, key, method, path, query="", body=b"", extra=None):
    url = endpoint.rstrip("/") + path + ("?" + query if query else "")
    now = datetime.datetime.now(datetime.timezone.utc)
    headers = {"x-ms-date": now.strftime("%a, %d %b %Y %H:%M:%S GMT"),
               "x-ms-version": VERSION, "Content-Length": str(len(body)),
               "Content-Type": "application/octet-stream"}
    headers.update(extra or {})
    headers["Authorization"] = sign(account, key, method, url, headers)
    req = urllib.request.Request(url, data=body if method == "PUT" else None,
                                 method=method, headers=headers)
    with urllib.request.urlopen(req) as r:
        return r.read()


def quote(name):
    return urllib.parse.quote(name, safe="/")


def main(argv):
    endpoint, account, key, cmd = argv[1:5]
    if cmd == "mkcontainer":
        call(endpoint, account, key, "PUT", "/" + argv[5], "restype=container")
    elif cmd == "blocks":
        container, blob, files = argv[5], argv[6], argv[7:]
        path = "/%s/%s" % (container, quote(blob))
        ids = []
        for i, f in enumerate(files):
            data = open(f, "rb").read()
            bid = base64.b64encode(b"%06d" % i).decode()
            ids.append(bid)
            call(endpoint, account, key, "PUT", path,
                 "comp=block&blockid=" + urllib.parse.quote(bid, safe=""), data)
        xml = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>" +
               "".join("<Latest>%s</Latest>" % b for b in ids) + "</BlockList>")
        call(endpoint, account, key, "PUT", path, "comp=blocklist", xml.encode())
    elif cmd == "sas":
        container = argv[5]
        exp = (datetime.datetime.now(datetime.timezone.utc) +
               datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        sp, sr = "rl", "c"
        canon = "/blob/%s/%s" % (account, container)
        # service SAS string-to-sign, version 2020-12-06 and later
        fields = [sp, "", exp, canon, "", "", "https,http", VERSION, sr, "",
                  "", "", "", "", "", ""]
        sts = "\n".join(fields)
        sig = base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(),
                                        hashlib.sha256).digest()).decode()
        print(urllib.parse.urlencode({"sv": VERSION, "se": exp, "sr": sr,
                                      "sp": sp, "spr": "https,http", "sig": sig}))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
