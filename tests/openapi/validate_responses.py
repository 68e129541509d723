#!/usr/bin/python3
"""Drives every operation of docs/openapi.json against a real dealsd and validates each answer.

Usage: validate_responses.py --dealsd PATH --dealsctl PATH --spec docs/openapi.json

Starts dealsd on 127.0.0.1 port 0 in a temporary directory (users and tokens made with dealsctl
first), then runs the scenario below: for each request the status must be the one expected, the
(operation, status) must be documented, and the body must validate against the document's schema
for it (JSON Schema 2020-12, with $refs resolved in the whole document). A 405 or an unknown path
has no operation: its body must be a `Message`. At the end every operation must have been seen
answering a success status. Exit status 0 when everything holds, 1 otherwise, with what differed.

Run by ctest (tests/CMakeLists.txt) with Debian's python3-jsonschema (4.10: RefResolver).
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

import jsonschema

METHODS = ("get", "put", "post", "delete", "patch")


class Spec:
    def __init__(self, doc):
        self.doc = doc
        self.resolver = jsonschema.RefResolver(base_uri="", referrer=doc)
        self.routes = []  # (regex, template)
        for template in doc["paths"]:
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            self.routes.append((re.compile(pattern), template))

    def template(self, path):
        for regex, template in self.routes:
            if regex.match(path):
                return template
        return None

    def deref(self, node):
        while "$ref" in node:
            node = self.resolver.resolve(node["$ref"])[1]
        return node

    def validate(self, schema, body):
        validator = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
                for e in validator.iter_errors(body)]


class Dealsd:
    """A dealsd on 127.0.0.1, a free port; its output is read until it listens, then drained
    by a thread (a full pipe would stall it)."""

    def __init__(self, dealsd, workdir, *extra):
        self.process = subprocess.Popen(
            [dealsd, "--data-dir", workdir, "--listen", "127.0.0.1:0", "--threads", "2", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.kafka = None
        for line in self.process.stdout:
            broker = re.search(r"embedded broker at (\S+),", line)
            if broker:
                self.kafka = broker.group(1)
            found = re.search(r"listening on http://[^:]+:(\d+)", line)
            if found:
                self.port = int(found.group(1))
                break
        else:
            raise RuntimeError("dealsd exited before it listened")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class Server(Dealsd):
    """The leader, with three users and their tokens made by dealsctl before it starts."""

    def __init__(self, args, workdir):
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        ctl = [args.dealsctl, "--data-dir", workdir]
        users = [["Admin", "admin@example.com", "--super-admin"],
                 ["Plain", "plain@example.com", "--deals-scope", "own"],
                 ["Nobody", "noapi@example.com", "--no-api-access"]]
        self.tokens = {}
        for name, email, *flags in users:
            subprocess.run(ctl + ["user", "add", "--name", name, "--email", email] + flags,
                           check=True, capture_output=True)
            out = subprocess.run(ctl + ["token", "issue", "--user", email, "--name", "openapi"],
                                 check=True, capture_output=True, text=True).stdout
            self.tokens[name] = out.splitlines()[0].strip()
        super().__init__(args.dealsd, workdir, "--body-limit", "4096")


class Run:
    def __init__(self, spec, server):
        self.spec, self.server = spec, server
        self.failures, self.seen, self.checked = [], set(), 0
        self.vars = {}

    def request(self, method, path, status, body=None, token="Admin", headers=None, raw=None,
                port=None):
        path = path.format(**self.vars)
        conn = http.client.HTTPConnection("127.0.0.1", port or self.server.port, timeout=30)
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = "Bearer " + self.server.tokens[token]
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        if data is not None:
            sent["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
        self.check(method, path, status, response, text)
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text

    def check(self, method, path, want, response, text):
        what = f"{method} {path} -> {response.status}"
        self.checked += 1
        if response.status != want:
            self.failures.append(f"{what}: expected {want}; body {text[:300]}")
        template = self.spec.template(path.split("?")[0])
        operation = self.spec.doc["paths"].get(template, {}).get(method.lower())
        if operation is None:  # 405 or an unknown path: the intro's `Message`
            schema = {"$ref": "#/components/schemas/Message"}
            self.seen.add((f"{method} {path.split('?')[0]}", response.status))
            if response.status not in (404, 405):
                self.failures.append(f"{what}: no such operation in the document")
        else:
            self.seen.add((operation["operationId"], response.status))
            documented = operation["responses"].get(str(response.status))
            if documented is None:
                self.failures.append(f"{what}: status not documented for "
                                     f"{operation['operationId']}")
                return
            documented = self.spec.deref(documented)
            for header in ("ETag", "Deals-Sequence", "Retry-After", "Location", "X-Request-Id"):
                if response.getheader(header) and header not in documented.get("headers", {}):
                    self.failures.append(f"{what}: header {header} not documented")
            content = documented.get("content")
            if content is None:
                if text:
                    self.failures.append(f"{what}: documented without a body, got {text[:100]}")
                return
            media = response.getheader("Content-Type", "").split(";")[0]
            if media not in content:
                self.failures.append(f"{what}: Content-Type {media} not documented")
                return
            schema = content[media]["schema"]
            if media != "application/json":
                errors = self.spec.validate(schema, text)
                if errors:
                    self.failures.append(f"{what}: {errors[:5]}")
                return
        try:
            body = json.loads(text)
        except ValueError:
            self.failures.append(f"{what}: not JSON: {text[:100]}")
            return
        errors = self.spec.validate(schema, body)
        if errors:
            self.failures.append(f"{what}: body does not match its schema: {errors[:5]}")


def public_and_errors(r):
    r.request("GET", "/healthz", 200, token=None)
    r.request("GET", "/metrics", 200, token=None)
    r.request("GET", "/openapi.json", 200, token=None)
    r.request("GET", "/docs", 200, token=None)
    r.request("GET", "/docs/redoc.standalone.js", 200, token=None)
    r.request("GET", "/api/deals", 401, token=None)
    r.request("GET", "/api/deals", 403, token="Nobody")
    r.request("PATCH", "/api/deals", 405)
    r.request("GET", "/api/no-such-route", 404)


def deals(r):
    stages = r.request("GET", "/api/pipeline-stages?per_page=100", 200)
    r.vars["stage"] = stages["data"][0]["id"]
    r.request("POST", "/api/deals", 422, {})
    r.request("POST", "/api/deals", 400, raw="{not json")
    r.request("POST", "/api/deals", 413, raw=json.dumps({"name": "x" * 5000}))
    deal = r.request("POST", "/api/deals", 201, {"name": "Alpha", "stage_id": r.vars["stage"],
                                                 "amount": 1200.5,
                                                 "expected_close_date": "2025-02-28"})
    r.vars["deal"] = deal["id"]
    keyed = {"name": "Keyed", "stage_id": r.vars["stage"]}
    key = {"Idempotency-Key": "openapi-1"}
    r.request("POST", "/api/deals", 201, keyed, headers=key)
    r.request("POST", "/api/deals", 201, keyed, headers=key)
    r.request("POST", "/api/deals", 422, dict(keyed, name="Other"), headers=key)
    r.request("GET", "/api/deals?per_page=1&order=name|desc&with=billable.products", 200)
    r.request("GET", "/api/deals?select=name;amount", 200)
    r.request("GET", "/api/deals?order=nope", 422)
    r.request("GET", "/api/deals?q=alpha&search_fields=nope", 403)
    r.request("GET", "/api/deals/search?q=alpha", 200)
    r.request("GET", "/api/deals/search?q=alpha&with=nope", 422)
    r.request("GET", "/api/deals/{deal}?with=billable", 200)
    r.request("GET", "/api/deals/{deal}?as_of=1", 404)
    r.request("GET", "/api/deals/{deal}?as_of=never", 422)
    r.request("GET", "/api/deals/999999", 404)
    r.request("GET", "/api/deals/{deal}/events", 200)
    r.request("GET", "/api/deals/{deal}/events?limit=0", 422)
    r.request("GET", "/api/deals/999999/events", 404)
    r.request("PUT", "/api/deals/{deal}", 200, {"name": "Alpha 2", "swatch_color": "#abc"})
    r.request("PUT", "/api/deals/{deal}", 412, {"name": "Late"}, headers={"If-Match": '"99"'})
    r.request("PUT", "/api/deals/{deal}", 422, {"name": ""})
    r.request("PUT", "/api/deals/999999", 404, {"name": "Nobody's"})
    r.request("PUT", "/api/deals/{deal}/status/won", 200)
    r.request("PUT", "/api/deals/{deal}/status/lost", 409, {"lost_reason": "price"})
    r.request("PUT", "/api/deals/{deal}/status/nope", 422)
    r.request("PUT", "/api/deals/{deal}/status/open", 412, headers={"If-Match": '"99"'})
    r.request("PUT", "/api/deals/999999/status/open", 404)
    r.request("PUT", "/api/deals/{deal}/status/open", 200)


def billable_and_associations(r):
    r.request("GET", "/api/deals/{deal}/billable", 200)
    line = {"name": "Widget", "unit_price": 10, "qty": 2, "tax_rate": 10}
    r.request("POST", "/api/deals/{deal}/billable", 200, {"tax_type": "exclusive",
                                                         "products": [line]})
    r.request("POST", "/api/deals/{deal}/billable", 422, {"products": [{"name": "No price"}]})
    r.request("POST", "/api/deals/{deal}/billable", 412, {"products": []},
              headers={"If-Match": '"99"'})
    r.request("POST", "/api/deals/999999/billable", 404, {"products": []})
    r.request("GET", "/api/deals/{deal}/billable", 200)
    r.request("GET", "/api/deals/{deal}?with=billable.products", 200)
    base = "/api/associations/deals/{deal}"
    r.request("GET", base, 200)
    r.request("GET", "/api/associations/deals/999999", 404)
    r.request("PUT", base, 200, {"contacts": [1, 2]})
    r.request("PUT", base, 409, {"contacts": [1]})
    r.request("PUT", base, 409, {"foo": [1]})
    r.request("PUT", base, 422, {})
    r.request("PUT", base, 412, {"contacts": [3]}, headers={"If-Match": '"99"'})
    r.request("POST", base, 200, {"companies": [5], "contacts": []})
    r.request("POST", "/api/associations/deals/999999", 404, {"companies": [5]})
    r.request("DELETE", base, 200, {"companies": [5]})
    r.request("DELETE", base, 422, {})
    r.request("GET", "/api/deals/search?q=alpha", 200)


def trash(r):
    doomed = r.request("POST", "/api/deals", 201, {"name": "Doomed", "stage_id": r.vars["stage"]})
    r.vars["doomed"] = doomed["id"]
    r.request("DELETE", "/api/deals/{doomed}", 412, headers={"If-Match": '"99"'})
    r.request("DELETE", "/api/deals/{doomed}", 204)
    r.request("DELETE", "/api/deals/999999", 404)
    r.request("GET", "/api/trashed/deals", 200)
    r.request("GET", "/api/trashed/deals?order=nope", 422)
    r.request("GET", "/api/trashed/deals/{doomed}", 200)
    r.request("GET", "/api/trashed/deals/{deal}", 404)
    r.request("POST", "/api/trashed/deals/{doomed}", 412, headers={"If-Match": '"99"'})
    r.request("POST", "/api/trashed/deals/{doomed}", 200)
    r.request("POST", "/api/trashed/deals/999999", 404)
    r.request("DELETE", "/api/deals/{doomed}", 204)
    r.request("DELETE", "/api/trashed/deals/{doomed}", 204)
    r.request("DELETE", "/api/trashed/deals/{doomed}", 404)
    r.request("GET", "/api/deals/{doomed}/events", 200)


def products(r):
    r.request("GET", "/api/products", 200)
    r.request("GET", "/api/products?q=x&search_fields=nope", 403)
    made = r.request("POST", "/api/products", 201, {"name": "Gadget", "unit_price": 5,
                                                   "sku": "G-1", "unit": "kg"})
    r.vars["product"] = made["id"]
    r.request("POST", "/api/products", 422, {})
    r.request("GET", "/api/products/search?q=gadget", 200)
    r.request("GET", "/api/products/search?q=gadget&search_fields=nope", 403)
    r.request("GET", "/api/products/active", 200)
    r.request("GET", "/api/products/{product}", 200)
    r.request("GET", "/api/products/999999", 404)
    r.request("PUT", "/api/products/{product}", 200, {"description": "A gadget"})
    r.request("PUT", "/api/products/{product}", 422, {"unit_price": "lots"})
    r.request("PUT", "/api/products/{product}", 403, {"name": "Mine"}, token="Plain")
    r.request("PUT", "/api/products/999999", 404, {"name": "None"})
    r.request("DELETE", "/api/products/{product}", 403, token="Plain")
    r.request("DELETE", "/api/products/{product}", 204)
    r.request("DELETE", "/api/products/{product}", 404)


def pipelines_and_stages(r):
    r.request("GET", "/api/pipelines", 200)
    default = r.request("GET", "/api/pipelines?per_page=100", 200)["data"][0]["id"]
    r.vars["default"] = default
    r.request("POST", "/api/pipelines", 403, {"name": "Mine"}, token="Plain")
    r.request("POST", "/api/pipelines", 422, {})
    made = r.request("POST", "/api/pipelines", 201, {"name": "Second",
                                                    "stages": [{"name": "First step", "win_probability": 20}]})
    r.vars["pipeline"] = made["id"]
    r.request("GET", "/api/pipelines/{pipeline}", 200)
    r.request("GET", "/api/pipelines/999999", 404)
    r.request("PUT", "/api/pipelines/{pipeline}", 200, {"name": "Second again"})
    r.request("PUT", "/api/pipelines/{pipeline}", 422, {"name": ""})
    r.request("PUT", "/api/pipelines/999999", 404, {"name": "None"})
    r.request("GET", "/api/pipelines/{pipeline}/stages", 200)
    r.request("GET", "/api/pipelines/999999/stages", 404)
    r.request("GET", "/api/pipeline-stages", 200)
    stage = r.request("POST", "/api/pipeline-stages", 201,
                      {"name": "Extra", "pipeline_id": r.vars["pipeline"], "win_probability": 50})
    r.vars["new_stage"] = stage["id"]
    r.request("POST", "/api/pipeline-stages", 422, {})
    r.request("POST", "/api/pipeline-stages", 403, {"name": "x"}, token="Plain")
    r.request("GET", "/api/pipeline-stages/{new_stage}", 200)
    r.request("GET", "/api/pipeline-stages/999999", 404)
    r.request("PUT", "/api/pipeline-stages/{new_stage}", 200, {"name": "Extra step"})
    r.request("PUT", "/api/pipeline-stages/{new_stage}", 422, {"name": ""})
    r.request("PUT", "/api/pipeline-stages/999999", 404, {"name": "None"})
    r.request("DELETE", "/api/pipeline-stages/{stage}", 409)
    r.request("DELETE", "/api/pipeline-stages/{new_stage}", 204)
    r.request("DELETE", "/api/pipeline-stages/999999", 404)
    r.request("DELETE", "/api/pipelines/{default}", 409)
    r.request("DELETE", "/api/pipelines/{pipeline}", 403, token="Plain")
    r.request("DELETE", "/api/pipelines/{pipeline}", 204)
    r.request("DELETE", "/api/pipelines/999999", 404)


def custom_fields(r):
    r.request("GET", "/api/custom-fields", 200)
    field = {"resource_name": "deals", "field_id": "cf_region", "label": "Region",
             "field_type": "Select", "options": [{"name": "North"}, {"name": "South"}]}
    r.request("POST", "/api/custom-fields", 403, field, token="Plain")
    r.request("POST", "/api/custom-fields", 422, {"resource_name": "deals"})
    made = r.request("POST", "/api/custom-fields", 201, field)
    r.vars["field"] = made["id"]
    r.request("PUT", "/api/deals/{deal}", 200, {"cf_region": "North"})
    r.request("GET", "/api/deals", 200)
    r.request("GET", "/api/custom-fields/{field}", 200)
    r.request("GET", "/api/custom-fields/999999", 404)
    r.request("PUT", "/api/custom-fields/{field}", 200, {"label": "Area"})
    r.request("PUT", "/api/custom-fields/{field}", 422, {"label": ""})
    r.request("PUT", "/api/custom-fields/999999", 404, {"label": "None"})
    r.request("DELETE", "/api/custom-fields/{field}", 403, token="Plain")
    r.request("DELETE", "/api/custom-fields/{field}", 204)
    r.request("DELETE", "/api/custom-fields/999999", 404)


def users_tokens_audit(r):
    r.request("GET", "/api/users", 200)
    me = r.request("GET", "/api/users?per_page=100", 200)["data"]
    r.vars["admin"] = next(u["id"] for u in me if u["email"] == "admin@example.com")
    r.request("GET", "/api/users/{admin}", 200)
    r.request("GET", "/api/users/999999", 404)
    r.request("POST", "/api/users", 403, {"name": "X", "email": "x@example.com"}, token="Plain")
    r.request("POST", "/api/users", 422, {"name": "No mail"})
    made = r.request("POST", "/api/users", 201, {"name": "New", "email": "new@example.com"})
    r.vars["user"] = made["id"]
    r.request("PUT", "/api/users/{user}", 200, {"name": "Renamed", "deals_scope": "all"})
    r.request("PUT", "/api/users/{user}", 422, {"email": "admin@example.com"})
    r.request("PUT", "/api/users/999999", 404, {"name": "None"})
    r.request("DELETE", "/api/users/{admin}", 409)
    r.request("DELETE", "/api/users/{user}", 204)
    r.request("DELETE", "/api/users/999999", 404)
    r.request("GET", "/api/audit/head", 200)
    r.request("GET", "/api/audit/head", 403, token="Plain")
    r.request("GET", "/api/personal-access-tokens", 200)
    r.request("POST", "/api/personal-access-tokens", 422, {})
    token = r.request("POST", "/api/personal-access-tokens", 201, {"name": "spare"})
    r.vars["token"] = token["accessToken"]["id"]
    r.request("DELETE", "/api/personal-access-tokens/{token}", 204)
    r.request("DELETE", "/api/personal-access-tokens/{token}", 404)


def every_operation_guarded(r):
    """Each operation that needs a token: 401 without one, 403 for a user without API access;
    and each path answers 405 to PATCH, which none has."""
    for template, operations in r.spec.doc["paths"].items():
        path = template.replace("{id}", "1").replace("{status}", "open")
        r.request("PATCH", path, 405)
        for method, operation in operations.items():
            if operation.get("security") == []:
                continue
            r.request(method.upper(), path, 401, token=None)
            r.request(method.upper(), path, 403, token="Nobody")


def applied(port, sequence):
    """Polls a replica's /healthz until it has applied `sequence` (30 s at most)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/healthz")
        health = json.loads(conn.getresponse().read())
        conn.close()
        if health.get("applied_sequence", 0) >= sequence:
            return
        time.sleep(0.05)
    raise RuntimeError(f"the replica on port {port} did not apply sequence {sequence}")


def replicas(r):
    """Two read-only replicas fed by the leader's embedded Kafka broker: one that knows no
    leader (writes 503), one with --leader-url (writes 307); reads with Deals-Min-Sequence."""
    head = r.request("GET", "/healthz", 200, token=None)["sequence"]
    follow = ["--follow", r.server.kafka, "--min-sequence-wait", "0"]
    alone = Dealsd(r.dealsd, os.path.join(r.workdir, "replica"), *follow)
    routed = Dealsd(r.dealsd, os.path.join(r.workdir, "routed"), *follow,
                    "--leader-url", f"http://127.0.0.1:{r.server.port}")
    try:
        applied(alone.port, head)
        applied(routed.port, head)
        at = {"Deals-Min-Sequence": str(head)}
        r.request("GET", "/api/deals/{deal}", 200, headers=at, port=alone.port)
        r.request("GET", "/api/deals", 200, port=alone.port)
        r.request("GET", "/healthz", 200, token=None, port=alone.port)
        r.request("GET", "/api/deals", 400, headers={"Deals-Min-Sequence": "soon"},
                  port=alone.port)
        r.request("GET", "/api/deals", 503, headers={"Deals-Min-Sequence": str(head + 1000)},
                  port=alone.port)
        r.request("PUT", "/api/deals/{deal}", 503, {"name": "Elsewhere"}, port=alone.port)
        r.request("POST", "/api/deals", 307, {"name": "Elsewhere"}, port=routed.port)
        r.request("DELETE", "/api/deals/{deal}", 307, port=routed.port)
    finally:
        alone.stop()
        routed.stop()


SCENARIO = [public_and_errors, every_operation_guarded, deals, billable_and_associations, trash, products,
            pipelines_and_stages, custom_fields, users_tokens_audit, replicas]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dealsd", required=True)
    parser.add_argument("--dealsctl", required=True)
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = Spec(json.load(f))
    with tempfile.TemporaryDirectory(prefix="deals-openapi-") as workdir:
        server = Server(args, os.path.join(workdir, "leader"))
        run = Run(spec, server)
        run.dealsd, run.workdir = args.dealsd, workdir
        try:
            for step in SCENARIO:
                try:
                    step(run)
                except (KeyError, TypeError, IndexError, StopIteration, RuntimeError) as e:
                    # An earlier unexpected answer left nothing to go on: already reported.
                    run.failures.append(f"{step.__name__} stopped: {e!r}")
        finally:
            server.stop()
    operations = {o["operationId"] for p in spec.doc["paths"].values() for o in p.values()}
    succeeded = {op for op, status in run.seen if 200 <= status < 300}
    for op in sorted(operations - succeeded):
        run.failures.append(f"{op}: never seen answering a success status")
    pairs = sorted(run.seen, key=lambda s: (s[0], s[1]))
    print(f"{run.checked} responses checked: {len(operations)} operations, "
          f"{len(pairs)} (operation, status) pairs:")
    for op, status in pairs:
        print(f"  {op} {status}")
    for failure in run.failures:
        print("FAIL", failure, file=sys.stderr)
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
