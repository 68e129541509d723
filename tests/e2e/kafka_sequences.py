#!/usr/bin/python3
"""Reads a deals topic from the beginning with an independent client (kafka-python).

Usage: kafka_sequences.py BOOTSTRAP TOPIC

Assigns every partition of TOPIC (no consumer group), seeks to the beginning and reads until
the end offsets taken at the start are reached. Prints the `sequence` of each message, one per
line, on stdout. Checks, and exits with status 1 and the reasons on stderr when one fails:
  - every value is CloudEvents JSON with an integer `sequence`, a `stream` and a `streamversion`;
  - each message's key equals its value's `stream`;
  - a key is found in one partition only;
  - per key, the `streamversion`s seen for the first time increase along the partition
    (a repeat of an earlier version is a duplicate, which is allowed);
  - a sequence seen twice is the same event (same `id`).
Used by tests/e2e/kafka_crash_test.cpp with Debian's python3-kafka (/usr/bin/python3).
"""

import json
import sys
import time

from kafka import KafkaConsumer, TopicPartition

TIMEOUT_SECONDS = 30
MAX_REPORTED = 20


def main():
    if len(sys.argv) != 3:
        print("usage: kafka_sequences.py BOOTSTRAP TOPIC", file=sys.stderr)
        return 2
    bootstrap, topic = sys.argv[1], sys.argv[2]
    deadline = time.monotonic() + TIMEOUT_SECONDS

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id="deals-e2e-sequences",
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        partitions = None
        while not partitions:
            partitions = consumer.partitions_for_topic(topic)
            if partitions:
                break
            if time.monotonic() > deadline:
                print(f"topic {topic} not found on {bootstrap}", file=sys.stderr)
                return 1
            consumer.poll(timeout_ms=200)  # lets the client refresh its metadata
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)

        errors = []
        sequences = []
        ids = {}  # sequence -> event id
        partition_of = {}  # key -> partition
        versions = {}  # key -> streamversions seen
        newest = {}  # key -> highest streamversion seen
        remaining = {tp for tp in assigned if consumer.position(tp) < ends[tp]}
        while remaining:
            if time.monotonic() > deadline:
                behind = ", ".join(
                    f"partition {tp.partition} at {consumer.position(tp)} of {ends[tp]}"
                    for tp in sorted(remaining, key=lambda t: t.partition))
                errors.append(f"timed out before the end offsets: {behind}")
                break
            for tp, messages in consumer.poll(timeout_ms=500).items():
                for m in messages:
                    if m.offset >= ends[tp]:
                        continue  # written after the start: not part of this read
                    where = f"partition {tp.partition} offset {m.offset}"
                    try:
                        value = json.loads(m.value)
                        sequence = value["sequence"]
                        stream = value["stream"]
                        version = value["streamversion"]
                        event_id = value["id"]
                        if not isinstance(sequence, int) or not isinstance(version, int):
                            raise ValueError("sequence and streamversion must be integers")
                    except (ValueError, KeyError, TypeError) as e:
                        errors.append(f"{where}: bad value ({e}): {m.value[:200]!r}")
                        continue
                    sequences.append(sequence)
                    key = m.key.decode("utf-8", "replace") if m.key is not None else None
                    if key != stream:
                        errors.append(f"{where}: key {key!r} but stream {stream!r}")
                    if partition_of.setdefault(stream, tp.partition) != tp.partition:
                        errors.append(f"{where}: stream {stream!r} also in partition "
                                      f"{partition_of[stream]}")
                    if ids.setdefault(sequence, event_id) != event_id:
                        errors.append(f"{where}: sequence {sequence} is event {event_id}, "
                                      f"earlier {ids[sequence]}")
                    seen = versions.setdefault(stream, set())
                    if version not in seen:  # a first occurrence; repeats are duplicates
                        if seen and version <= newest[stream]:
                            errors.append(f"{where}: stream {stream!r} version {version} first "
                                          f"seen after version {newest[stream]}")
                        seen.add(version)
                        newest[stream] = max(version, newest.get(stream, 0))
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        for sequence in sequences:
            print(sequence)
        sys.stdout.flush()
        if errors:
            shown = errors[:MAX_REPORTED]
            more = len(errors) - len(shown)
            print(f"{len(errors)} problem(s) in {topic}:", file=sys.stderr)
            for e in shown:
                print("  " + e, file=sys.stderr)
            if more:
                print(f"  … and {more} more", file=sys.stderr)
            return 1
        print(f"{len(sequences)} messages in {len(assigned)} partitions, ends "
              f"{[ends[tp] for tp in assigned]}", file=sys.stderr)
        return 0
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main())
