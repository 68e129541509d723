#!/usr/bin/python3
"""Opens dealsd's API reference page (GET /docs) in headless Chromium and checks that the
rendered page names every operation of docs/openapi.json (Redoc shows each one's summary).

Usage: api_reference.py --dealsd PATH --dealsctl PATH --spec docs/openapi.json
                        [--screenshot FILE]
Exit 77 (ctest's SKIP_RETURN_CODE) when /usr/bin/chromium is not installed.
"""
import argparse
import html
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from validate_responses import Server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def chromium(url, profile, *extra):
    """Runs headless Chromium on `url` until the page settles (virtual time: no fixed sleep)."""
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--user-data-dir=" + profile, "--virtual-time-budget=15000", *extra, url],
        check=True, capture_output=True, text=True, timeout=180).stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dealsd", required=True)
    parser.add_argument("--dealsctl", required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        print(f"{CHROMIUM} is not installed: skipped")
        return 77
    with open(args.spec, encoding="utf-8") as f:
        doc = json.load(f)
    with tempfile.TemporaryDirectory(prefix="deals-docs-") as workdir:
        server = Server(args, os.path.join(workdir, "data"))
        try:
            url = f"http://127.0.0.1:{server.port}/docs"
            dom = html.unescape(chromium(url, os.path.join(workdir, "profile"), "--dump-dom"))
            if args.screenshot:
                chromium(url, os.path.join(workdir, "profile"),
                         "--screenshot=" + os.path.abspath(args.screenshot),
                         "--window-size=1400,1000", "--hide-scrollbars")
        finally:
            server.stop()
    missing = [f"{method.upper()} {path}: {op['summary']}"
               for path, ops in doc["paths"].items() for method, op in ops.items()
               if op["summary"] not in dom]
    count = sum(len(ops) for ops in doc["paths"].values())
    if missing:
        print(f"the rendered /docs lacks {len(missing)} of {count} operations:", file=sys.stderr)
        for each in missing:
            print("  " + each, file=sys.stderr)
        return 1
    print(f"the rendered /docs names all {count} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
