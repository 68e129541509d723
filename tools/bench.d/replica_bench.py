#!/usr/bin/env python3
"""Replicas, measured (tools/bench --only replica).

1. Catch-up: a data directory seeded with DEALS deals is published to a development broker
   (dealsctl broker --partitions 64, which keeps the newest 5 MiB per partition: the log is made
   10% smaller until the broker holds it whole); a follower started on an empty directory reads
   it all. Rate: events applied / seconds from the follower's start to its head.
2. Lag under load: a leader and a follower on one broker; wrk creates deals at about RATE/s on the
   leader while a probe creates one deal every 20 ms and reads it on the follower with
   Deals-Min-Sequence: the time from the leader's 201 to the follower's answer is the lag seen by
   a client, with the follower's /healthz "lag" (events) sampled alongside.
3. --ack replicated against --ack local: durable creates with 64 connections on a leader on a
   broker, ROUNDS alternating rounds of each, the median judged.

Prints one JSON object on stdout; progress on stderr.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backup_bench import Server, dealsctl, log, token_for  # noqa: E402


class Broker:
    def __init__(self, bin_dir, partitions):
        self.proc = subprocess.Popen([os.path.join(bin_dir, "dealsctl"), "broker", "--partitions", str(partitions)],
                                     stdout=subprocess.PIPE, text=True)
        self.addr = self.proc.stdout.readline().split()[1]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()


class Dealsd(Server):
    """dealsd on `data`: `kafka` is --kafka's value (off for a follower), `extra` more flags."""

    def __init__(self, bin_dir, data, kafka, *extra):
        super().__init__(bin_dir, data, kafka, extra)

    def get(self, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r.status, body

    def health(self):
        return json.loads(self.get("/healthz")[1])



def published(bin_dir, work, deals, broker):
    """Seeds a directory and lets dealsd publish it all; returns (directory, head)."""
    data = os.path.join(work, "leader")
    shutil.rmtree(data, ignore_errors=True)
    dealsctl(bin_dir, "--data-dir", data, "seed", "--deals", str(deals), "--seed", "3", "--no-progress")
    server = Dealsd(bin_dir, data, broker.addr)
    head = server.health()["sequence"]
    while server.health()["kafka"]["published_sequence"] < head:
        time.sleep(0.2)  # polling the relay's position
    server.stop()
    return data, head


def catch_up(a, work):
    deals = a.deals
    while deals > 1000:
        broker = Broker(a.bin, 64)
        try:
            _, head = published(a.bin, work, deals, broker)
            target = os.path.join(work, "follower")
            shutil.rmtree(target, ignore_errors=True)
            follower = Dealsd(a.bin, target, "off", "--follow", broker.addr)
            started = follower.started
            last, last_at, h = None, time.monotonic(), {}
            while True:
                h = follower.health()
                if h["applied_sequence"] >= head:
                    break
                # Progress: applied, or read (an empty follower applies all at once at the end).
                progress = (h["applied_sequence"], h.get("messages_read"))
                if progress != last:
                    last, last_at = progress, time.monotonic()
                elif time.monotonic() - last_at > 10:
                    break  # stuck: the broker no longer holds the log's start
                time.sleep(0.01)  # polling the follower's head
            seconds = time.monotonic() - started
            follower.stop()
        finally:
            broker.stop()
        if h["applied_sequence"] >= head:
            return {"deals": deals, "events": head, "seconds": round(seconds, 2),
                    "events_per_second": int(head / seconds), "messages_read": h.get("messages_read")}
        log("%d deals: the broker no longer holds the whole log; 10%% fewer" % deals)
        deals = deals * 9 // 10
    raise SystemExit("no log small enough for the broker")


def wrk(a, url, token, script, duration, connections, env=None):
    e = dict(os.environ, DEALS_TOKEN=token, **(env or {}))
    out = subprocess.run(["wrk", "-t2", "-c%d" % connections, "-d%ds" % duration, "--timeout", "10s", "--latency",
                          "-s", os.path.join(os.path.dirname(os.path.abspath(__file__)), script), url],
                         capture_output=True, text=True, env=e)
    m = re.search(r"^result: (\{.*\})$", out.stdout, re.M)
    if not m:
        raise SystemExit("wrk: " + out.stdout + out.stderr)
    return json.loads(m.group(1))


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else None


def lag_under_load(a, work):
    broker = Broker(a.bin, 4)
    leader_dir, follower_dir = os.path.join(work, "lag-leader"), os.path.join(work, "lag-follower")
    for d in (leader_dir, follower_dir):
        shutil.rmtree(d, ignore_errors=True)
    token = token_for(a.bin, leader_dir)
    leader = Dealsd(a.bin, leader_dir, broker.addr)
    follower = Dealsd(a.bin, follower_dir, "off", "--follow", broker.addr)
    probes, lags, stop = [], [], threading.Event()

    def probe():
        auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        lc = http.client.HTTPConnection("127.0.0.1", leader.port, timeout=30)
        fc = http.client.HTTPConnection("127.0.0.1", follower.port, timeout=30)
        while not stop.is_set():
            lc.request("POST", "/api/deals", body='{"name":"Probe","stage_id":1}', headers=auth)
            r = lc.getresponse()
            r.read()
            acked = time.monotonic()
            seq = r.getheader("Deals-Sequence")
            fc.request("GET", "/healthz", headers={"Deals-Min-Sequence": seq})
            fr = fc.getresponse()
            fr.read()
            if fr.status == 200:
                probes.append((time.monotonic() - acked) * 1000)
            stop.wait(0.02)

    def sample():
        while not stop.is_set():
            lags.append(follower.health()["lag"])
            stop.wait(0.01)

    threads = [threading.Thread(target=probe), threading.Thread(target=sample)]
    for t in threads:
        t.start()
    r = wrk(a, "http://127.0.0.1:%d" % leader.port, token, "create_paced.lua", a.duration, a.paced_connections,
            {"DEALS_DELAY_MS": str(a.delay_ms)})
    stop.set()
    for t in threads:
        t.join()
    head = leader.health()["sequence"]
    deadline = time.monotonic() + 30
    while follower.health()["applied_sequence"] < head and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the follower's head
    same = follower.get("/api/audit/head", {"Authorization": "Bearer " + token})[1] == \
        leader.get("/api/audit/head", {"Authorization": "Bearer " + token})[1]
    for s in (follower, leader):
        s.stop()
    broker.stop()
    return {"creates_per_second": round(r["rps"]), "create_p99_ms": r["p99_ms"], "non_201": r["non_200"],
            "probes": len(probes), "lag_p50_ms": round(pct(probes, 50), 1), "lag_p99_ms": round(pct(probes, 99), 1),
            "lag_max_ms": round(max(probes), 1), "lag_events_p50": pct(lags, 50), "lag_events_p99": pct(lags, 99),
            "lag_events_max": max(lags), "same_head_after": same}


def ack_rounds(a, work):
    rows = {"local": [], "replicated": []}
    for rnd in range(a.rounds):
        for mode in ("local", "replicated"):
            broker = Broker(a.bin, 4)
            data = os.path.join(work, "ack-%s-%d" % (mode, rnd))
            shutil.rmtree(data, ignore_errors=True)
            token = token_for(a.bin, data)
            server = Dealsd(a.bin, data, broker.addr, "--ack", mode)
            r = wrk(a, "http://127.0.0.1:%d" % server.port, token, "create_deal.lua", a.duration, 64)
            server.stop()
            broker.stop()
            shutil.rmtree(data, ignore_errors=True)
            log("ack %s round %d: %d creates/s, p99 %.1f ms, %d not 201" % (mode, rnd + 1, r["rps"], r["p99_ms"],
                                                                             r["non_200"]))
            rows[mode].append(r)
    out = {}
    for mode, rs in rows.items():
        out[mode] = {"rps": [round(r["rps"]) for r in rs], "p99_ms": [r["p99_ms"] for r in rs],
                     "median_rps": round(statistics.median(r["rps"] for r in rs)),
                     "median_p99_ms": statistics.median(r["p99_ms"] for r in rs),
                     "non_201": sum(r["non_200"] for r in rs)}
    out["ratio"] = round(out["replicated"]["median_rps"] / out["local"]["median_rps"], 2)
    return out


def markdown(out, other_cpu):
    c, l, k = out["catch_up"], out["lag"], out["ack"]
    return "\n".join([
        "## Replicas", "",
        "`tools/bench.d/replica_bench.py`, Release build, a `dealsctl broker` in its own process. Other processes took"
        " %s%% of the CPU meanwhile." % other_cpu, "",
        "**Catch-up.** A follower on an empty directory read a topic of 64 partitions holding %d events (%d deals"
        " seeded, published by dealsd; the largest log the broker kept whole) and applied them all in %.2f s from its"
        " start: **%d events/s**." % (c["events"], c["deals"], c["seconds"], c["events_per_second"]), "",
        "**Lag under load.** wrk sent creates to the leader at %d/s (p99 %.1f ms, %d not 201); a probe created a"
        " deal every 20 ms and read it on the follower with `Deals-Min-Sequence` (%d probes). Time from the"
        " leader's 201 to the follower's answer: p50 %.1f ms, **p99 %.1f ms**, max %.1f ms. The follower's `lag`"
        " (events behind the topic's end), sampled every 10 ms: p50 %s, p99 %s, max %s. Same head hash after: %s." % (
            l["creates_per_second"], l["create_p99_ms"], l["non_201"], l["probes"], l["lag_p50_ms"], l["lag_p99_ms"],
            l["lag_max_ms"], l["lag_events_p50"], l["lag_events_p99"], l["lag_events_max"],
            "yes" if l["same_head_after"] else "**no**"), "",
        "**--ack replicated against --ack local**: durable creates, 64 connections, alternating rounds.", "",
        "| mode | creates/s (rounds) | median | p99 ms (rounds) | median p99 | not 201 |",
        "| --- | --- | --- | --- | --- | --- |",
    ] + ["| `--ack %s` | %s | **%d** | %s | **%.1f** | %d |" % (
        m, ", ".join(str(x) for x in k[m]["rps"]), k[m]["median_rps"], ", ".join("%.1f" % x for x in k[m]["p99_ms"]),
        k[m]["median_p99_ms"], k[m]["non_201"]) for m in ("local", "replicated")] + [
        "", "Ratio replicated / local (median creates/s): **%.2f**." % k["ratio"], ""])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default="build-release")
    p.add_argument("--work", required=True)
    p.add_argument("--deals", type=int, default=300_000)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--paced-connections", type=int, default=35)
    p.add_argument("--delay-ms", type=int, default=5)
    p.add_argument("--markdown")
    p.add_argument("--other-cpu", default="?")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    out = {"catch_up": catch_up(a, a.work)}
    log("catch-up: %s" % out["catch_up"])
    out["lag"] = lag_under_load(a, a.work)
    log("lag: %s" % out["lag"])
    out["ack"] = ack_rounds(a, a.work)
    print(json.dumps(out))
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(markdown(out, a.other_cpu))


if __name__ == "__main__":
    main()
