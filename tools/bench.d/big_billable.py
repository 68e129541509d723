#!/usr/bin/env python3
"""A large billable while reads go on (tools/bench --only billable).

Creates a deal, then POSTs /api/deals/{id}/billable with N lines (every product field set) on
one connection while another connection sends GET /api/deals?per_page=1 one after the other
until the save is answered. Prints one JSON object: the save's time and status, the body's
size, and the GETs' count and latencies (max, p50, p99) during the save. Targets (issue 19): the
save under 1 s, every GET under 100 ms; exits 1 when one is missed or a response is not 2xx.
"""
import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from urllib.parse import urlparse


def billable_body(lines: int) -> str:
    products = []
    for i in range(lines):
        products.append({
            "name": f"Bench product {i % 500}",
            "description": f"Line {i} of a large billable",
            "unit_price": f"{100 + i % 900}.125",
            "qty": f"{1 + i % 7}.5",
            "discount_type": "percent" if i % 2 else "fixed",
            "discount_total": f"{i % 10}.25",
            "tax_label": ["VAT", "TAX", "GST"][i % 3],
            "tax_rate": f"{5 + i % 3}.5",
            "unit": "kg",
            "note": f"note {i}",
            "display_order": i + 1,
        })
    return json.dumps({"tax_type": "exclusive", "products": products})


def request(conn, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    return res.status, res.read()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--lines", type=int, default=10000)
    args = parser.parse_args()
    target = urlparse(args.url)

    def connect():
        return http.client.HTTPConnection(target.hostname, target.port, timeout=120)

    conn = connect()
    status, body = request(conn, "POST", "/api/deals", args.token,
                           json.dumps({"name": "Large billable", "stage_id": 1}))
    if status != 201:
        print(f"error: create answered {status}: {body[:200]!r}", file=sys.stderr)
        return 1
    deal = json.loads(body)["id"]
    payload = billable_body(args.lines)

    done = threading.Event()
    gets = []
    get_errors = []

    def reader():
        c = connect()
        request(c, "GET", "/api/deals?per_page=1", args.token)  # connected and warm
        ready.set()
        while not done.is_set():
            start = time.perf_counter()
            s, _ = request(c, "GET", "/api/deals?per_page=1", args.token)
            gets.append(time.perf_counter() - start)
            if s != 200:
                get_errors.append(s)

    ready = threading.Event()
    thread = threading.Thread(target=reader)
    thread.start()
    ready.wait()
    start = time.perf_counter()
    save_status, save_body = request(conn, "POST", f"/api/deals/{deal}/billable", args.token,
                                     payload)
    save_seconds = time.perf_counter() - start
    done.set()
    thread.join()

    lines_back = None
    if save_status == 200:
        lines_back = len(json.loads(save_body).get("products", []))
    ms = sorted(g * 1000 for g in gets)
    result = {
        "lines": args.lines,
        "body_bytes": len(payload),
        "save_status": save_status,
        "save_seconds": round(save_seconds, 3),
        "lines_answered": lines_back,
        "gets": len(ms),
        "get_errors": len(get_errors),
        "get_max_ms": round(ms[-1], 1) if ms else None,
        "get_p50_ms": round(statistics.median(ms), 1) if ms else None,
        "get_p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1) if ms else None,
    }
    result["met"] = (save_status == 200 and lines_back == args.lines and save_seconds < 1.0
                     and bool(ms) and ms[-1] < 100 and not get_errors)
    print(json.dumps(result))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
