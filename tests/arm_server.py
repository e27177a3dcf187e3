#!/usr/bin/env python3
"""arm_server.py - a small Azure Resource Manager and token endpoint for
nsgproof's capture tests, on 127.0.0.1 (HTTP, or HTTPS with --tls).

It serves recorded ARM GET shapes (examples/arm/*.json and
tests/data/capture/arm_extra.json) as ARM list answers, paged with
nextLink (--page-size), per subscription or resource group, children under
their parents (network watchers' flowLogs, network managers' admin
configurations...), the per-VNet effective security admin rules (POST,
skipToken paging, answered asynchronously: 202 + Location, polled), and an
OAuth2 token endpoint (client secret or federated assertion).

Single resources (enforce --apply): GET by id (with its etag), and PUT of a
network security group, which needs If-Match with the current etag (412
PreconditionFailed otherwise), stores the body with a new etag and rules
in provisioningState Updating, and answers 200 with Azure-AsyncOperation
(Retry-After: --put-retry-after, default 1), whose status is InProgress
for --polls polls (Retry-After: 0) and then Succeeded; or, for the NSGs named by --location-poll, 202 with
Location, polled the same way.

Fault injection: --throttle-once SUBSTR (429 with Retry-After: 1 on the
first matching request), --fail-once SUBSTR (500 then success),
--expire-first-token (the first token issued is answered 401 as expired),
--expired TOKEN (a token always answered 401), --redirect SUBSTR=URL (307
to another origin); for PUTs of the NSG named NAME: --conflict-on-put NAME
(someone else changes it just before the first PUT: 412), --fail-put NAME
(the operation ends Failed and the NSG is left as it was),
--cut-put NAME (the first PUT is applied and the connection closed
without an answer), --mangle NAME (the first PUT's NSG is stored with its last rule's access
flipped: not what was sent).  POST /_test/mutate?name=NAME (no credentials; tests only)
changes an NSG as a user in the portal would: a new rule, a new etag.  Every request is logged as one JSON line to --log:
method, path, whether an Authorization header came, the bearer token, the
If-Match header and the time.
The chosen port is written to --port-file.  Stops after --lifetime seconds.
"""
import argparse
import json
import os
import copy
import secrets
import ssl
import sys
import threading
import time
import uuid
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
RESOURCES = []          # ARM GET shapes
EFFECTIVE = {}          # vnet id (lower) -> list of effective admin rules
VALID = set()           # tokens accepted
ISSUED = []             # tokens issued, in order
ONCE = {}               # fault name -> already fired
POLLS = {}              # operation id -> polls left
OPS = {}                # PUT operation id -> state (see put())
NSG_TYPE = "microsoft.network/networksecuritygroups"


def load(root):
    for name in sorted(os.listdir(os.path.join(root, "examples", "arm"))):
        with open(os.path.join(root, "examples", "arm", name)) as f:
            doc = json.load(f)
        items = doc["value"] if isinstance(doc, dict) and "value" in doc else [doc]
        RESOURCES.extend(items)
    with open(os.path.join(root, "tests", "data", "capture", "arm_extra.json")) as f:
        extra = json.load(f)
    RESOURCES.extend(extra["resources"])
    for vnet, rules in extra["effective_admin_rules"].items():
        EFFECTIVE[vnet.lower()] = rules


def arm_type(rid):
    """Microsoft.Network/networkWatchers/flowLogs from an id."""
    parts = rid.strip("/").split("/")
    i = [p.lower() for p in parts].index("providers")
    rest = parts[i + 1:]
    return "/".join([rest[0]] + rest[1::2]).lower()


def parent_of(rid):
    return "/".join(rid.split("/")[:-2]).lower()


def log(entry):
    if ARGS.log:
        with LOCK, open(ARGS.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


def once(kind, path):
    for sub in getattr(ARGS, kind) or []:
        if sub in path:
            with LOCK:
                key = kind + sub
                if not ONCE.get(key):
                    ONCE[key] = True
                    return True
    return False


def once_key(key):
    with LOCK:
        if ONCE.get(key):
            return False
        ONCE[key] = True
        return True


def find_resource(path):
    low = path.lower().rstrip("/")
    for i, r in enumerate(RESOURCES):
        if r["id"].lower() == low:
            return i
    return None


def new_etag():
    return 'W/"%s"' % uuid.uuid4()


def stored_nsg(cur, body):
    """What ARM keeps of a PUT body: the read-only members its own."""
    new = copy.deepcopy(body)
    for k in ("id", "name", "type", "location"):
        new[k] = cur[k]
    new["etag"] = etag = new_etag()
    props = new.setdefault("properties", {})
    old_props = cur.get("properties", {})
    props["provisioningState"] = "Updating"
    props["resourceGuid"] = old_props.get("resourceGuid")
    props["defaultSecurityRules"] = old_props.get("defaultSecurityRules", [])
    for k in ("networkInterfaces", "subnets"):
        if k in old_props:
            props[k] = old_props[k]
    for r in props.setdefault("securityRules", []):
        r["id"] = cur["id"] + "/securityRules/" + r["name"]
        r["etag"] = etag
        r["type"] = "Microsoft.Network/networkSecurityGroups/securityRules"
        r.setdefault("properties", {})["provisioningState"] = "Updating"
    return new


def set_state(res, state):
    res["properties"]["provisioningState"] = state
    for r in res["properties"].get("securityRules", []):
        r["properties"]["provisioningState"] = state


def finish_put(st):
    """The end of a PUT's operation (under LOCK)."""
    if st["fail"]:
        back = copy.deepcopy(st["old"])
        back["etag"] = new_etag()
        set_state(back, "Failed")
        RESOURCES[st["index"]] = back
        return "Failed"
    set_state(RESOURCES[st["index"]], "Succeeded")
    return "Succeeded"


def mutate(i):
    """A change made elsewhere (the portal): one more rule, a new etag."""
    with LOCK:
        res = copy.deepcopy(RESOURCES[i])
        res["etag"] = etag = new_etag()
        res["properties"].setdefault("securityRules", []).append({
            "name": "AddedInPortal",
            "id": res["id"] + "/securityRules/AddedInPortal",
            "etag": etag,
            "properties": {"provisioningState": "Succeeded", "protocol": "Tcp",
                           "sourcePortRange": "*", "destinationPortRange": "8080",
                           "sourceAddressPrefix": "*",
                           "destinationAddressPrefix": "*", "access": "Allow",
                           "priority": 4000, "direction": "Inbound"}})
        RESOURCES[i] = res


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms stall per keep-alive answer

    def log_message(self, *a):
        pass

    def reply(self, code, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", secrets.token_hex(8))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def base(self):
        scheme = "https" if ARGS.tls else "http"
        return "%s://127.0.0.1:%d" % (scheme, self.server.server_address[1])

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        self.handle_any("POST")

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        data = self.body() if method in ("POST", "PUT") else b""
        auth = self.headers.get("Authorization")
        token = auth[7:] if auth and auth.startswith("Bearer ") else None
        log({"method": method, "path": self.path, "auth": auth is not None,
             "token": token, "if_match": self.headers.get("If-Match"),
             "t": time.time()})
        if path.endswith("/oauth2/v2.0/token"):
            return self.token(path, data)
        if path == "/_test/mutate":
            return self.mutate_request(query)
        for spec in ARGS.redirect or []:
            sub, target = spec.split("=", 1)
            if sub in self.path:
                return self.reply(307, headers={"Location": target + self.path})
        if once("throttle_once", self.path):
            return self.reply(429, {"error": {"code": "TooManyRequests",
                                              "message": "slow down"}},
                              {"Retry-After": "1"})
        if once("fail_once", self.path):
            return self.reply(500, {"error": {"code": "InternalServerError",
                                              "message": "try again"}})
        if token is None or token not in VALID:
            return self.reply(401, {"error": {
                "code": "ExpiredAuthenticationToken",
                "message": "The access token expiry UTC time is earlier than "
                           "current UTC time."}},
                {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if "api-version" not in query:
            return self.reply(400, {"error": {"code": "MissingApiVersionParameter",
                                              "message": "api-version"}})
        if path.startswith("/operations/"):
            return self.operation(path)
        if path.startswith("/asyncops/") or path.startswith("/locops/"):
            return self.put_status(path)
        if method == "PUT":
            return self.put(path, data)
        i = find_resource(path)
        if i is not None:
            res = RESOURCES[i]
            return self.reply(200, res, {"ETag": res.get("etag", "")})
        if method == "POST" and path.endswith(
                "/listNetworkManagerEffectiveSecurityAdminRules"):
            return self.effective(path, data)
        if "/locations/" in path and path.endswith("/serviceTags"):
            return self.service_tags(path)
        return self.list(path, query)

    # -- token endpoint --------------------------------------------------
    def token(self, path, data):
        form = urllib.parse.parse_qs(data.decode())
        get = lambda k: (form.get(k) or [""])[0]
        ok = (get("grant_type") == "client_credentials"
              and get("client_id") == ARGS.client_id
              and path.split("/")[1] == ARGS.tenant
              and get("scope").endswith("/.default")
              and ((ARGS.secret and get("client_secret") == ARGS.secret)
                   or (ARGS.assertion and get("client_assertion") == ARGS.assertion
                       and get("client_assertion_type").endswith("jwt-bearer"))))
        if not ok:
            return self.reply(401, {"error": "invalid_client",
                                    "error_description": "AADSTS7000215: Invalid "
                                    "client secret provided."})
        tok = "tok-%d-%s" % (len(ISSUED) + 1, secrets.token_hex(16))
        with LOCK:
            ISSUED.append(tok)
            if not (ARGS.expire_first_token and len(ISSUED) == 1):
                VALID.add(tok)
        log({"issued": tok, "scope": get("scope")})
        return self.reply(200, {"token_type": "Bearer", "expires_in": 3599,
                                "access_token": tok})

    # -- lists -------------------------------------------------------------
    def list(self, path, query):
        low = path.lower().rstrip("/")
        if "/providers/" in low:
            scope, ptype = low.split("/providers/", 1)
            ptype_parts = ptype.split("/")
            if len(ptype_parts) == 2:       # a provider list in a scope
                want = ptype
                items = [r for r in RESOURCES if arm_type(r["id"]) == want
                         and r["id"].lower().startswith(scope + "/")]
            else:                            # children under a parent id
                parent, child = low.rsplit("/", 1)
                items = [r for r in RESOURCES
                         if parent_of(r["id"]) == parent
                         and r["id"].lower().split("/")[-2] == child.lower()]
        else:
            items = []
        skip = int((query.get("$skiptoken") or ["0"])[0])
        page = items[skip:skip + ARGS.page_size]
        body = {"value": page}
        if skip + ARGS.page_size < len(items):
            q = {"api-version": query["api-version"][0],
                 "$skiptoken": str(skip + ARGS.page_size)}
            body["nextLink"] = self.base() + path + "?" + urllib.parse.urlencode(q)
        return self.reply(200, body)

    # -- single NSGs: PUT with If-Match, asynchronous completion ------------
    def put(self, path, data):
        i = find_resource(path)
        if i is None or arm_type(RESOURCES[i]["id"]) != NSG_TYPE:
            return self.reply(404, {"error": {"code": "ResourceNotFound",
                                              "message": path}})
        name = RESOURCES[i]["name"]
        if name in (ARGS.conflict_on_put or []) and once_key("conflict" + name):
            mutate(i)           # someone else was faster
        cur = RESOURCES[i]
        match = self.headers.get("If-Match")
        if match != cur.get("etag"):
            return self.reply(412, {"error": {
                "code": "PreconditionFailed",
                "message": "Operation failed because the etag %s does not "
                           "match the resource's etag %s." % (match, cur.get("etag"))}})
        body = json.loads(data or b"{}")
        new = stored_nsg(cur, body)
        if name in (ARGS.mangle or []) and once_key("mangle" + name):
            rules = new["properties"]["securityRules"]
            if rules:
                p = rules[-1]["properties"]
                p["access"] = "Deny" if p["access"].lower() == "allow" else "Allow"
        if name in (ARGS.cut_put or []) and once_key("cut" + name):
            set_state(new, "Succeeded")   # applied, and the answer is lost
            with LOCK:
                RESOURCES[i] = new
            self.close_connection = True
            return None
        op = secrets.token_hex(6)
        with LOCK:
            RESOURCES[i] = new
            OPS[op] = {"left": ARGS.polls, "index": i, "old": cur,
                       "fail": name in (ARGS.fail_put or []), "done": None}
        if name in (ARGS.location_poll or []):
            return self.reply(202, None, {
                "Location": self.base() + "/locops/" + op + "?api-version=2024-05-01",
                "Retry-After": str(ARGS.put_retry_after)})
        return self.reply(200, new, {
            "Azure-AsyncOperation": self.base() + "/asyncops/" + op +
            "?api-version=2024-05-01", "Retry-After": str(ARGS.put_retry_after)})

    def put_status(self, path):
        kind, op = path.split("/")[1:3]
        with LOCK:
            st = OPS.get(op)
            if st and st["left"] > 0:
                st["left"] -= 1
                running = True
            else:
                running = False
                if st and st["done"] is None:
                    st["done"] = finish_put(st)
        if not st:
            return self.reply(404, {"error": {"code": "NotFound", "message": op}})
        if kind == "locops":
            if running:
                return self.reply(202, None, {"Location": self.base() + path +
                                              "?api-version=2024-05-01",
                                              "Retry-After": "0"})
            return self.reply(200, RESOURCES[st["index"]])
        if running:
            return self.reply(200, {"status": "InProgress"}, {"Retry-After": "0"})
        if st["done"] == "Failed":
            return self.reply(200, {"status": "Failed", "error": {
                "code": "InternalServerError",
                "message": "The operation failed (test server)."}})
        return self.reply(200, {"status": "Succeeded"})

    def mutate_request(self, query):
        name = (query.get("name") or [""])[0]
        for i, r in enumerate(RESOURCES):
            if r["name"] == name and arm_type(r["id"]) == NSG_TYPE:
                mutate(i)
                return self.reply(200, RESOURCES[i])
        return self.reply(404, {"error": {"code": "NotFound", "message": name}})

    def service_tags(self, path):
        with open(os.path.join(ARGS.root, "examples",
                               "ServiceTags_Public_20261116.json")) as f:
            doc = json.load(f)
        return self.reply(200, doc)

    def effective(self, path, data):
        vnet = path[:-len("/listNetworkManagerEffectiveSecurityAdminRules")]
        rules = EFFECTIVE.get(vnet.lower(), [])
        req = json.loads(data or b"{}")
        skip = int(req.get("skipToken") or 0)
        body = {"value": rules[skip:skip + 1]}
        if skip + 1 < len(rules):
            body["skipToken"] = str(skip + 1)
        op = secrets.token_hex(6)
        with LOCK:
            POLLS[op] = [1, body]
        # asynchronous, as ARM does for long operations: 202 and a Location
        return self.reply(202, None, {"Location": self.base() + "/operations/" +
                                      op + "?api-version=2024-05-01",
                                      "Retry-After": "0"})

    def operation(self, path):
        op = path.split("/")[2]
        with LOCK:
            state = POLLS.get(op)
            if state and state[0] > 0:
                state[0] -= 1
                return self.reply(202, None, {"Location": self.base() + path +
                                              "?api-version=2024-05-01",
                                              "Retry-After": "0"})
        if not state:
            return self.reply(404, {"error": {"code": "NotFound", "message": op}})
        return self.reply(200, state[1])


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--page-size", type=int, default=2)
    p.add_argument("--tenant", default="test-tenant")
    p.add_argument("--client-id", default="test-client")
    p.add_argument("--secret")
    p.add_argument("--assertion")
    p.add_argument("--token", action="append", default=[],
                   help="a token accepted as is")
    p.add_argument("--throttle-once", action="append")
    p.add_argument("--fail-once", action="append")
    p.add_argument("--redirect", action="append")
    p.add_argument("--expire-first-token", action="store_true")
    p.add_argument("--polls", type=int, default=1,
                   help="InProgress answers before a PUT's operation ends")
    p.add_argument("--put-retry-after", type=int, default=1)
    p.add_argument("--conflict-on-put", action="append")
    p.add_argument("--fail-put", action="append")
    p.add_argument("--mangle", action="append")
    p.add_argument("--cut-put", action="append")
    p.add_argument("--location-poll", action="append")
    p.add_argument("--lifetime", type=float, default=300)
    ARGS = p.parse_args()
    load(ARGS.root)
    VALID.update(ARGS.token)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if ARGS.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, ARGS.port_file)
    threading.Timer(ARGS.lifetime, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
