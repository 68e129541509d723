#!/usr/bin/python3
"""Parses a /metrics scrape with prometheus_client's text parser (Debian's
python3-prometheus-client) and checks what contract §14 asks of it.

usage: check_metrics.py SCRAPE_FILE [ROUTE METHOD STATUS]...

Each ROUTE METHOD STATUS triple must have a deals_http_requests_total sample of at least 1,
and a deals_http_request_duration_seconds histogram for ROUTE and METHOD. Prints what it
found; exits 1 listing every check that failed.
"""
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def histogram_series(family, keys):
    """{label values of `keys`: {"buckets": [(le, value)], "sum": x, "count": n}}"""
    series = {}
    for sample in family.samples:
        key = tuple(sample.labels.get(k) for k in keys)
        entry = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if sample.name.endswith("_bucket"):
            entry["buckets"].append((float(sample.labels["le"]), sample.value))
        elif sample.name.endswith("_sum"):
            entry["sum"] = sample.value
        elif sample.name.endswith("_count"):
            entry["count"] = sample.value
    return series


def check_histogram(name, family, keys, failures):
    if family is None or family.type != "histogram":
        failures.append(f"{name}: missing or not a histogram")
        return {}
    series = histogram_series(family, keys)
    for key, entry in series.items():
        buckets = sorted(entry["buckets"])
        values = [v for _, v in buckets]
        if not buckets or not math.isinf(buckets[-1][0]):
            failures.append(f"{name}{key}: no +Inf bucket")
        elif values != sorted(values):
            failures.append(f"{name}{key}: buckets not cumulative: {values}")
        elif entry["count"] != values[-1] or entry["sum"] is None:
            failures.append(f"{name}{key}: _count {entry['count']} is not +Inf {values[-1]}")
    return series


def main():
    if len(sys.argv) < 2 or (len(sys.argv) - 2) % 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        families = {f.name: f for f in text_string_to_metric_families(f.read())}
    failures = []

    requests = families.get("deals_http_requests")  # the parser drops a counter's _total
    counts = {}
    if requests is None or requests.type != "counter":
        failures.append("deals_http_requests_total: missing or not a counter")
    else:
        for s in requests.samples:
            if s.name != "deals_http_requests_total":
                continue
            if set(s.labels) != {"route", "method", "status"}:
                failures.append(f"deals_http_requests_total: labels {sorted(s.labels)}")
            counts[(s.labels.get("route"), s.labels.get("method"), s.labels.get("status"))] = s.value
    durations = check_histogram("deals_http_request_duration_seconds",
                                families.get("deals_http_request_duration_seconds"),
                                ("route", "method"), failures)
    for family in durations and families["deals_http_request_duration_seconds"].samples:
        if family.name.endswith("_bucket") and set(family.labels) != {"route", "method", "le"}:
            failures.append(f"deals_http_request_duration_seconds: labels {sorted(family.labels)}")
            break

    triples = sys.argv[2:]
    for route, method, status in zip(triples[0::3], triples[1::3], triples[2::3]):
        if counts.get((route, method, status), 0) < 1:
            failures.append(f"no deals_http_requests_total{{route={route!r},method={method!r},"
                            f"status={status!r}}}")
        if (route, method) not in durations:
            failures.append(f"no deals_http_request_duration_seconds for {route} {method}")

    for name in ("deals_fsync_duration_seconds", "deals_append_batch_appends"):
        series = check_histogram(name, families.get(name), (), failures)
        if series and series[()]["count"] < 1:
            failures.append(f"{name}: nothing observed")
    for name in ("deals_kafka_published_sequence", "deals_kafka_lag_events",
                 "deals_kafka_in_flight", "deals_kafka_reachable"):
        if name not in families or families[name].type != "gauge":
            failures.append(f"{name}: missing or not a gauge")

    print(f"{len(families)} metric families, {len(counts)} request series, "
          f"{len(durations)} duration series")
    for failure in failures:
        print("FAILED: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
