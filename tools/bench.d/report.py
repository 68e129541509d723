#!/usr/bin/env python3
"""Helpers of tools/bench (standard library only).

  report.py splice DOC SECTION FRAGMENT
      Replaces the part of DOC between "<!-- tools/bench SECTION: begin … -->" and
      "<!-- tools/bench SECTION: end -->" with the FRAGMENT file (appended at the end when DOC
      has no such part; DOC is created when missing). The rest of DOC is kept as it is, so
      `tools/bench --only query` leaves the other sections alone.

  report.py matches BODY
      Prints how many deals a response body says matched: meta.total of a paginated list,
      the length of a bare array (/api/deals/search), or "null" when it is neither.

  report.py scenario --name … --path … --fraction F [--cap N] --deals N --http-status S
                     --first-seconds T --body FILE --wrk FILE
      Prints one JSON line for a query scenario: the first request (status, time, matches),
      the matches expected from the seed's proportions, and wrk's figures (from the
      "result: {…}" line tools/bench.d/get_path.lua prints).

  report.py query --scenarios JSONL --meta JSON --json OUT.json --md OUT.md
      Writes docs/bench-query.json (every figure) and the markdown of the query section.
"""
import argparse
import json
import math
import re
import sys
from fractions import Fraction
from pathlib import Path

TARGET_P99_MS = 10.0
BUSY_PCT = 10.0  # other processes above this share of the CPU: the figures are flagged


def splice(doc: Path, section: str, fragment: Path) -> None:
    begin = f"<!-- tools/bench {section}: begin (rewritten by `tools/bench --only {section}`) -->"
    end = f"<!-- tools/bench {section}: end -->"
    body = fragment.read_text().strip("\n")
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(
        r"<!-- tools/bench " + re.escape(section) + r": begin[^\n]*-->\n.*?" + re.escape(end),
        re.S)
    block = f"{begin}\n{body}\n{end}"
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text)


def count_matches(body_path: Path):
    try:
        body = json.loads(body_path.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict):
        total = body.get("meta", {}).get("total") if isinstance(body.get("meta"), dict) else None
        if isinstance(total, int):
            return total
    return None


def expected_matches(deals: int, fraction: Fraction, cap):
    """The count the seed's proportions predict, a tolerance, and whether it is exact."""
    mean = float(deals * fraction)
    if fraction == 1 and cap is None:
        return deals, 0.0, True
    tolerance = 0.25 * mean + 5 * math.sqrt(mean) + 3
    if cap is not None and mean - tolerance >= cap:
        return cap, 0.0, True  # always more matches than the cap: exactly the cap
    if cap is not None:
        return min(mean, cap), tolerance, False
    return mean, tolerance, False


def scenario(args) -> None:
    fraction = Fraction(args.fraction)
    expected, tolerance, exact = expected_matches(args.deals, fraction, args.cap)
    matches = count_matches(Path(args.body))
    if matches is None:
        plausible = False
    elif exact:
        plausible = matches == expected
    else:
        plausible = abs(matches - expected) <= tolerance
    wrk = None
    wrk_text = Path(args.wrk).read_text() if Path(args.wrk).exists() else ""
    for line in wrk_text.splitlines():
        if line.startswith("result: "):
            wrk = json.loads(line[len("result: "):])
            # wrk's own count (status >= 400) as a floor, should the script's count be lost.
            wrk["non_200"] = max(wrk["non_200"], wrk["wrk_status_errors"])
    row = {
        "name": args.name,
        "path": args.path,
        "first_request": {
            "http_status": int(args.http_status) if args.http_status.isdigit() else None,
            "seconds": float(args.first_seconds),
        },
        "matches": matches,
        "expected_matches": round(expected, 1) if not exact else expected,
        "expected_fraction": args.fraction,
        "expected_exact": exact,
        "matches_tolerance": round(tolerance, 1),
        "matches_plausible": plausible,
        "wrk": wrk,
        "other_processes_cpu_pct": float(args.other_cpu_pct),
    }
    problems = []
    if wrk is None:
        problems.append("wrk gave no result")
    else:
        errors = sum(wrk["socket_errors"].values())
        if wrk["non_200"]:
            problems.append(f"{wrk['non_200']} non-200 (last {wrk['last_bad_status']})")
        if errors:
            problems.append(f"{errors} socket errors/timeouts")
        if wrk["requests"] == 0:
            problems.append("no request completed")
        elif wrk["p99_ms"] >= TARGET_P99_MS:
            problems.append(f"p99 {wrk['p99_ms']:.1f} ms >= {TARGET_P99_MS:g} ms")
    if row["first_request"]["http_status"] != 200:
        problems.append(f"first request answered {args.http_status}")
    if not plausible:
        problems.append("matches not as seeded" if matches is not None else "no match count")
    row["problems"] = problems
    row["machine_busy"] = row["other_processes_cpu_pct"] > BUSY_PCT
    row["target_met"] = not problems
    print(json.dumps(row, ensure_ascii=False))


def fmt_ms(value) -> str:
    if value is None:
        return "–"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.2f} ms"


def fmt_count(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}" if value < 100 else f"{round(value):,}"
    return f"{int(value):,}"


def query(args) -> None:
    meta = json.loads(Path(args.meta).read_text())
    rows = [json.loads(l) for l in Path(args.scenarios).read_text().splitlines() if l.strip()]
    report = dict(meta)
    if not meta["server"]["alive_after_scenarios"]:
        for r in rows:
            r["problems"].append("dealsd died during the run")
            r["target_met"] = False
    report["target"] = {"p99_ms_below": TARGET_P99_MS, "connections": meta["wrk"]["connections"],
                        "all_scenarios_met": all(r["target_met"] for r in rows)}
    report["scenarios"] = rows
    report["busy_threshold_pct"] = BUSY_PCT
    report["machine_busy"] = (any(r["machine_busy"] for r in rows)
                              or meta["seed"]["other_processes_cpu_pct"] > BUSY_PCT
                              or meta["startup"]["other_processes_cpu_pct"] > BUSY_PCT)
    Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    m = meta
    seed = m["seed"]
    mem = m["memory"]
    deals = m["deals"]
    lines = []
    w = lines.append
    w("## Query at a million deals" if deals == 1_000_000 else f"## Query at {deals:,} deals")
    w("")
    w(f"Measured by `tools/bench --only query --deals {deals} --duration {m['wrk']['duration_s']}` "
      f"on {m['measured_at']} on this machine ({m['machine']['nproc']} cores, "
      f"{m['machine']['cpu_model']}, {m['machine']['mem_total_gib']} GiB), "
      f"server and dealsctl built in Release mode (tree at {m['build']['commit']}"
      f"{', with uncommitted changes' if m['build']['dirty'] else ''}). "
      f"Every figure is also in `docs/bench-query.json`.")
    w("")
    w(f"* Seed: `dealsctl seed --deals {deals} --seed {seed['seed']}` into an empty data directory: "
      f"{seed['wall_seconds']:.1f} s, **{seed['deals_per_second']:,.0f} deals/s** "
      f"(through validation, decide and group commit"
      + (f"; peak RSS of dealsctl {seed['peak_rss_kib'] / 1024:,.0f} MiB" if seed.get("peak_rss_kib") else "")
      + f"); data directory {m['data_dir_bytes'] / 1e6:,.0f} MB. Then a super-admin user and its "
      "token (`dealsctl user add --super-admin`, `token issue`).")
    w(f"* Start-up of `dealsd --kafka off --listen 127.0.0.1:0`: **{m['startup']['seconds']:.2f} s** "
      f"from exec until \"listening on\" in its log (`{m['startup']['data_line']}`).")
    w(f"* Memory once listening: **VmRSS {mem['after_load']['vm_rss_kib'] / 1024:,.0f} MiB**, VmHWM "
      f"{mem['after_load']['vm_hwm_kib'] / 1024:,.0f} MiB; after all the scenarios: VmRSS "
      f"{mem['after_scenarios']['vm_rss_kib'] / 1024:,.0f} MiB, VmHWM "
      f"{mem['after_scenarios']['vm_hwm_kib'] / 1024:,.0f} MiB.")
    w(f"* *other CPU*: what other processes on the machine took while a figure was measured "
      f"(its busy time from /proc/stat minus the server's, wrk's and dealsctl's), as a share of "
      f"all the cores: {seed['other_processes_cpu_pct']:g}% during the seed, "
      f"{m['startup']['other_processes_cpu_pct']:g}% during start-up, per scenario in the table. "
      f"Above {BUSY_PCT:g}% the figure is marked ⚠: it was measured on a busy machine and "
      "should be taken again.")
    w(f"* Each row: `wrk -t{m['wrk']['threads']} -c{m['wrk']['connections']} "
      f"-d{m['wrk']['duration_s']}s --latency` (keep-alive, closed loop, on the same "
      f"{m['machine']['nproc']} cores as the server) with `tools/bench.d/get_path.lua`, GET of the "
      "path as the super-admin (who sees every deal). Before timing, one curl of the path gives "
      "*matches*: `meta.total` of the list, or the array length for `/api/deals/search`.")
    w(f"* *expected* is what the seed's proportions predict (a name is \"<Company> <Suffix> — "
      "<product>\": 20 products, so `renewal` is in 1/20; 36 companies, `Müller` in 1999/72000; "
      "the 20 rare companies are in 1/2000, so `Zephyrine` in 1/40000; 5 stages, so "
      "`Proposal Made` is 1/5). A count off by more than 25% + 5σ + 3 is reported as wrong; "
      "the default list must count every deal exactly.")
    w(f"* *target met*: p99 under {TARGET_P99_MS:g} ms with {m['wrk']['connections']} clients, every response "
      "200, no socket error or timeout (wrk's timeout is 10 s), and a plausible count. When not, "
      "the reason is given. *non-2xx* counts every response whose status was not 200, as "
      "`get_path.lua` saw them, plus wrk's socket errors and timeouts.")
    w("")
    w("| scenario | path | matches (expected) | requests/s | p50 | p99 | non-2xx | other CPU | target met |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        wr = r["wrk"] or {}
        if wr:
            socket_errors = sum(wr["socket_errors"].values())
            bad = f"{wr['non_200']:,}" + (f" (+{socket_errors:,} socket errors)" if socket_errors else "")
        else:
            bad = "–"
        expected = fmt_count(r["expected_matches"])
        if not r["expected_exact"]:
            expected = "≈" + expected
        status = r["first_request"]["http_status"]
        matches = fmt_count(r["matches"]) if r["matches"] is not None else f"– (HTTP {status})"
        met = "yes" if r["target_met"] else "**no**: " + "; ".join(r["problems"])
        path = r["path"].replace("|", "\\|")
        w(f"| {r['name']} | `{path}` | {matches} ({expected}) | "
          f"{wr.get('rps', 0):,.0f} | {fmt_ms(wr.get('p50_ms'))} | {fmt_ms(wr.get('p99_ms'))} | "
          f"{bad} | {r['other_processes_cpu_pct']:g}%{' ⚠' if r['machine_busy'] else ''} | {met} |")
    w("")
    met = sum(r["target_met"] for r in rows)
    w(f"{met} of {len(rows)} scenarios meet the target.")
    if report["machine_busy"]:
        w("")
        w(f"⚠ Other processes took more than {BUSY_PCT:g}% of the CPU during part of this run "
          "(see *other CPU*): those figures are pessimistic; run it again on a quiet machine.")
    Path(args.md).write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("splice")
    p.add_argument("doc")
    p.add_argument("section")
    p.add_argument("fragment")
    p = sub.add_parser("matches")
    p.add_argument("body")
    p = sub.add_parser("scenario")
    p.add_argument("--name", required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--fraction", required=True)
    p.add_argument("--cap", type=int)
    p.add_argument("--deals", type=int, required=True)
    p.add_argument("--http-status", required=True)
    p.add_argument("--first-seconds", required=True)
    p.add_argument("--body", required=True)
    p.add_argument("--wrk", required=True)
    p.add_argument("--other-cpu-pct", default="0")
    p = sub.add_parser("query")
    p.add_argument("--scenarios", required=True)
    p.add_argument("--meta", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--md", required=True)
    args = parser.parse_args()
    if args.command == "splice":
        splice(Path(args.doc), args.section, Path(args.fragment))
    elif args.command == "matches":
        n = count_matches(Path(args.body))
        print("null" if n is None else n)
    elif args.command == "scenario":
        scenario(args)
    else:
        query(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
