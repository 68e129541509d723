#!/usr/bin/env python3
"""Backups and recovery, measured (tools/bench --only backup).

1. Seeds DEALS deals into a fresh data directory, starts dealsd on it (--kafka off) and takes an
   online backup while a client keeps creating deals; the create latencies during the backup
   are compared with those just before it.
2. Sends WRITES more creates, takes a second (incremental) backup and reports the bytes it added.
3. Stops dealsd and restores the second backup into a new directory (timed).
4. Recovery from the topic: a development broker (dealsctl broker --partitions P) gets the log of
   a directory seeded with KAFKA_DEALS deals (dealsd publishes it from sequence 1); dealsctl
   restore --kafka rebuilds it alone. When the broker no longer holds the whole log (it keeps the
   newest 5 MiB per partition), the restore says so and the log is made smaller: the rate is
   measured on the largest log it keeps.

Prints one JSON object on stdout; progress on stderr.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def dealsctl(bin_dir, *args, check=True):
    r = subprocess.run([os.path.join(bin_dir, "dealsctl"), *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise SystemExit("dealsctl %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
    return r


def timed(fn):
    start = time.monotonic()
    out = fn()
    return out, time.monotonic() - start


def du(path):
    total = 0
    seen = set()
    for root, _, files in os.walk(path):
        for f in files:
            st = os.lstat(os.path.join(root, f))
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return total


class Server:
    def __init__(self, bin_dir, data, kafka="off", extra=()):
        self.log_path = data + ".server.log"
        self.out = open(self.log_path, "w")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([os.path.join(bin_dir, "dealsd"), "--data-dir", data, "--listen",
                                      "127.0.0.1:0", "--kafka", kafka, *extra], stdout=self.out,
                                     stderr=subprocess.STDOUT)
        while True:
            with open(self.log_path) as f:
                m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                raise SystemExit("dealsd exited: " + open(self.log_path).read())
            time.sleep(0.05)  # polling the log file for the start-up line

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()
        self.out.close()


def token_for(bin_dir, data):
    dealsctl(bin_dir, "--data-dir", data, "user", "add", "--name", "Bench", "--email", "bench@example.com",
             "--super-admin")
    return dealsctl(bin_dir, "--data-dir", data, "token", "issue", "--user", "bench@example.com").stdout.strip()


class Creator:
    """Creates deals on one keep-alive connection, recording each latency."""

    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        self.n = 0

    def create(self):
        self.n += 1
        body = json.dumps({"name": "Backup bench %d" % self.n, "stage_id": 1})
        start = time.monotonic()
        self.conn.request("POST", "/api/deals", body, self.headers)
        r = self.conn.getresponse()
        r.read()
        if r.status != 201:
            raise SystemExit("create answered %d" % r.status)
        return time.monotonic() - start


def latencies_while(port, token, fn):
    """Runs fn() while a client creates deals; returns fn's result and the latencies."""
    stop = threading.Event()
    lat = []

    def run():
        c = Creator(port, token)
        while not stop.is_set():
            lat.append(c.create())

    t = threading.Thread(target=run)
    t.start()
    try:
        out = fn()
    finally:
        stop.set()
        t.join()
    return out, lat


def summary(lat):
    s = sorted(lat)
    pick = lambda q: round(1000 * s[min(len(s) - 1, int(q * len(s)))], 2) if s else None
    return {"count": len(s), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": round(1000 * s[-1], 2) if s else None}


def writes(port, token, n, clients=4):
    def run(k):
        c = Creator(port, token)
        for _ in range(k):
            c.create()
    threads = [threading.Thread(target=run, args=(n // clients + (1 if i < n % clients else 0),)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start


def backup(bin_dir, data, bk):
    r = dealsctl(bin_dir, "--data-dir", data, "backup", "--backup-dir", bk, "--json", "--no-progress")
    lines = r.stdout.strip().splitlines()
    info = json.loads(lines[0])
    if not re.fullmatch(r"backup \d+: sequence \d+ hash [0-9a-f]{64}", lines[-1]):
        raise SystemExit("unexpected last line: " + lines[-1])
    return info, lines[-1]


def backup_part(a, work):
    data, bk = os.path.join(work, "bk-data"), os.path.join(work, "backups")
    log("seeding %d deals" % a.deals)
    _, seed_s = timed(lambda: dealsctl(a.bin, "--data-dir", data, "seed", "--deals", str(a.deals), "--seed", "1",
                                       "--no-progress"))
    token = token_for(a.bin, data)
    server = Server(a.bin, data)
    try:
        _, before = latencies_while(server.port, token, lambda: time.sleep(3))  # the baseline: 3 s of creates
        log("backup 1 (online)")
        (first, wall1), during = latencies_while(server.port, token, lambda: timed(lambda: backup(a.bin, data, bk)))
        log("%d writes" % a.writes)
        write_s = writes(server.port, token, a.writes)
        log("backup 2 (online, incremental)")
        second, wall2 = timed(lambda: backup(a.bin, data, bk))
    finally:
        server.stop()
    data_bytes = du(data)
    verify, verify_s = timed(lambda: dealsctl(a.bin, "backup", "--verify", "--backup-dir", bk, "--id", "2", "--no-progress"))
    restored = os.path.join(work, "restored")
    log("restore from backup 2")
    r, restore_s = timed(lambda: dealsctl(a.bin, "--data-dir", restored, "restore", "--backup-dir", bk, "--no-progress"))
    line = r.stdout.strip().splitlines()[-1]
    want = "restored: " + second[1][len("backup 2: "):]
    return {
        "deals": a.deals, "seed_seconds": round(seed_s, 1), "data_dir_bytes": data_bytes,
        "backup1": {"sequence": first[0]["sequence"], "bytes": first[0]["size"], "new_bytes": first[0]["new_bytes"],
                    "seconds": round(wall1, 2), "held_ms": round(first[0]["held_ms"], 2)},
        "creates_before": summary(before), "creates_during_backup": summary(during),
        "writes": a.writes, "writes_seconds": round(write_s, 1),
        "backup2": {"sequence": second[0]["sequence"], "bytes": second[0]["size"],
                    "new_bytes": second[0]["new_bytes"], "seconds": round(wall2, 2),
                    "held_ms": round(second[0]["held_ms"], 2)},
        "backup_dir_bytes": du(bk), "verify_seconds": round(verify_s, 2),
        "restore_seconds": round(restore_s, 2), "restored_line": line, "restore_matches": line == want,
    }


def publish(a, work, deals, broker_addr, tag):
    data = os.path.join(work, "kafka-data-" + tag)
    dealsctl(a.bin, "--data-dir", data, "seed", "--deals", str(deals), "--seed", "2", "--no-progress")
    token = token_for(a.bin, data)
    server = Server(a.bin, data, kafka=broker_addr)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port)
        conn.request("GET", "/api/audit/head", headers={"Authorization": "Bearer " + token})
        head = json.loads(conn.getresponse().read())
        while True:  # until the relay has every event acknowledged
            conn.request("GET", "/metrics")
            text = conn.getresponse().read().decode()
            m = re.search(r"^deals_kafka_published_sequence (\d+)", text, re.M)
            if m and int(m.group(1)) >= head["sequence"]:
                break
            time.sleep(0.2)  # polling the relay's position
    finally:
        server.stop()
    return head


def kafka_part(a, work, partitions, deals):
    for attempt in range(20):
        # A fresh broker each time: a topic holds one log.
        broker = subprocess.Popen([os.path.join(a.bin, "dealsctl"), "broker", "--partitions", str(partitions)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            addr = broker.stdout.readline().split()[1]
            tag = "%d-%d" % (partitions, attempt)
            head = publish(a, work, deals, addr, tag)
            target = os.path.join(work, "from-kafka-" + tag)
            r, wall = timed(lambda: dealsctl(a.bin, "--data-dir", target, "restore", "--kafka", addr,
                                             "--no-progress", check=False))
        finally:
            broker.send_signal(signal.SIGTERM)
            broker.wait()
        if r.returncode != 0 and "no longer reaches back" in r.stderr:
            log("%d deals: the broker no longer holds the whole log; 10%% fewer" % deals)
            deals = deals * 9 // 10
            shutil.rmtree(os.path.join(work, "kafka-data-" + tag), ignore_errors=True)
            continue
        if r.returncode != 0:
            raise SystemExit("restore --kafka failed: " + r.stderr)
        m = re.search(r"read (\d+) messages in ([0-9.]+) s \((\d+) events/s\)", r.stderr)
        last = r.stdout.strip().splitlines()[-1]
        shutil.rmtree(os.path.join(work, "kafka-data-" + tag), ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        return {"partitions": partitions, "deals": deals, "events": head["sequence"], "messages": int(m.group(1)),
                "read_seconds": float(m.group(2)), "events_per_second": int(m.group(3)),
                "total_seconds": round(wall, 2), "restored_line": last, "same_head": last.startswith(
                    "restored: sequence %d hash %s " % (head["sequence"], head["hash"]))}
    raise SystemExit("no log small enough for the broker")


def mib(n):
    return "%.1f MiB" % (n / 1048576)


def markdown(out, other_cpu):
    lines = ["## Backups and recovery", ""]
    b = out.get("backup")
    if b:
        lines += [
            "`tools/bench.d/backup_bench.py`, Release build. A data directory of %d deals (`dealsctl seed --deals %d"
            " --seed 1`, %s on disk, sequence %d), served by `dealsd --kafka off`." % (
                b["deals"], b["deals"], mib(b["data_dir_bytes"]), b["backup1"]["sequence"]),
            "Other processes took %s%% of the CPU meanwhile." % other_cpu, "",
            "| step | time | bytes | new bytes | appends held |",
            "| --- | --- | --- | --- | --- |",
            "| backup 1 (online, full) | %.2f s | %s | %s | %.1f ms |" % (
                b["backup1"]["seconds"], mib(b["backup1"]["bytes"]), mib(b["backup1"]["new_bytes"]), b["backup1"]["held_ms"]),
            "| %d creates through the API (4 clients) | %.1f s | | | |" % (b["writes"], b["writes_seconds"]),
            "| backup 2 (online, incremental) | %.2f s | %s | %s | %.1f ms |" % (
                b["backup2"]["seconds"], mib(b["backup2"]["bytes"]), mib(b["backup2"]["new_bytes"]), b["backup2"]["held_ms"]),
            "| `backup --verify --id 2` | %.2f s | | | |" % b["verify_seconds"],
            "| `restore --backup-dir` (backup 2) | %.2f s | | | |" % b["restore_seconds"],
            "",
            "The backup directory holds both backups in %s. The restore's head is the backup's: %s." % (
                mib(b["backup_dir_bytes"]), "yes" if b["restore_matches"] else "**no**"),
            "Creates on one connection while backup 1 was taken: %d, p50 %s ms, p99 %s ms, max %s ms; in the 3 s"
            " before it: %d, p50 %s ms, p99 %s ms, max %s ms." % (
                b["creates_during_backup"]["count"], b["creates_during_backup"]["p50_ms"],
                b["creates_during_backup"]["p99_ms"], b["creates_during_backup"]["max_ms"],
                b["creates_before"]["count"], b["creates_before"]["p50_ms"], b["creates_before"]["p99_ms"],
                b["creates_before"]["max_ms"]),
            ""]
    lines += [
        "Recovery from the topic alone: a `dealsctl broker` took the log of a directory seeded with `dealsctl seed`"
        " (published by dealsd from sequence 1), the largest log tried (10% fewer deals each time) that it still held"
        " whole: it keeps the newest 5 MiB per partition. `dealsctl restore --kafka` read every message, checked the"
        " chain and wrote the log, then folded the views.", "",
        "| partitions | deals | events | read and checked | events/s | with the views | same head hash |",
        "| --- | --- | --- | --- | --- | --- | --- |"]
    for k in out["kafka"]:
        lines.append("| %d | %d | %d | %.2f s | **%d** | %.2f s | %s |" % (
            k["partitions"], k["deals"], k["events"], k["read_seconds"], k["events_per_second"], k["total_seconds"],
            "yes" if k["same_head"] else "**no**"))
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default="build-release")
    p.add_argument("--work", required=True)
    p.add_argument("--deals", type=int, default=1_000_000)
    p.add_argument("--writes", type=int, default=10_000)
    p.add_argument("--kafka", default="4:30000,64:400000",
                   help="PARTITIONS:DEALS,…: a broker with that many partitions, and the deals to try first")
    p.add_argument("--skip-backup", action="store_true")
    p.add_argument("--markdown", help="also write the docs/BENCHMARKS.md section here")
    p.add_argument("--other-cpu", default="?", help="for the markdown: other processes' CPU share")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    out = {}
    if not a.skip_backup:
        out["backup"] = backup_part(a, a.work)
        shutil.rmtree(os.path.join(a.work, "restored"), ignore_errors=True)
    out["kafka"] = []
    for item in a.kafka.split(","):
        partitions, deals = (int(x) for x in item.split(":"))
        out["kafka"].append(kafka_part(a, a.work, partitions, deals))
    print(json.dumps(out))
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(markdown(out, a.other_cpu))


if __name__ == "__main__":
    main()
