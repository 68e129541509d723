#include "store/topic_restore.hpp"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "store/cloud_event.hpp"
#include "store/codec.hpp"
#include "store/database.hpp"
#include "store/kafka_consumer.hpp"
#include "store/kafka_producer.hpp"
#include "store/keys.hpp"
#include "store/log_reader.hpp"
#include "store/published_position.hpp"
#include "support/sha256.hpp"

namespace deals::store {

namespace {

using events::Sequence;
using Clock = std::chrono::steady_clock;

std::string seq_text(Sequence s) { return "sequence " + std::to_string(s); }

/// The value of a top-level number key before `data` in a stored body (`stream_version`).
std::optional<std::uint64_t> body_number(std::string_view body, std::string_view key) {
    const std::string pattern = "\"" + std::string(key) + "\":";
    const auto at = body.find(pattern);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    std::size_t i = at + pattern.size();
    const std::size_t start = i;
    for (; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i) {
        v = v * 10 + static_cast<std::uint64_t>(body[i] - '0');
    }
    if (i == start) {
        return std::nullopt;
    }
    return v;
}

Result<Database> open_db(const std::string& dir) {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.IncreaseParallelism(2);
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // The records and their stream entries are written outside the WAL (Applier::write): the
    // two column families are flushed together, so that a crash keeps both or neither.
    options.atomic_flush = true;
    Database db;
    const auto status = Database::open(dir, options, Database::Access::kWrite, db);
    if (!status.ok()) {
        return unavailable("cannot open " + dir + ": " + status.ToString());
    }
    return db;
}

/// The log's head: its last sequence and that event's hash (0 and the genesis hash when empty).
struct LogHead {
    Sequence sequence = 0;
    std::string hash = std::string(64, '0');
};

LogHead log_head(const Database& db) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions{}, db.log()));
    it->SeekForPrev(keys::event(~0ULL));
    if (!it->Valid() || it->key().size() != 9 || it->key()[0] != keys::kEvent) {
        return {};
    }
    return {keys::get_be64(it->key().ToStringView().substr(1)),
            std::string(split_record(it->value().ToStringView()).hash)};
}

/// Takes the topic's events in any order and appends them to the log in sequence order, each
/// once its predecessor is in, checking the chain.
class Applier {
public:
    /// `trimmed` names the partitions whose oldest messages retention has deleted.
    Applier(Database& db, const TopicRestoreOptions& options, std::string trimmed)
        : db_(db), options_(options), trimmed_(std::move(trimmed)) {
        auto head = log_head(db_);
        start_ = head_ = head.sequence;
        hash_ = std::move(head.hash);
    }

    /// One event of the topic, as its stored record.
    Result<void> offer(Sequence seq, std::string record) {
        min_seen_ = std::min(min_seen_, seq);
        max_seen_ = std::max(max_seen_, seq);
        if (seq <= head_) {
            return same_as_logged(seq, record);
        }
        if (stopped_ || diverged_ || (options_.until_sequence && seq > *options_.until_sequence)) {
            return {};  // past --until: only seen (the topic's newest is reported)
        }
        if (seq != head_ + 1) {
            const auto it = pending_.find(seq);
            if (it == pending_.end()) {
                pending_bytes_ += record.size();
                pending_.emplace(seq, std::move(record));
            } else if (it->second != record) {
                return different(seq);
            }
            if (pending_bytes_ > kPendingLimit) {  // held in memory: the wait cannot go on
                return missing("has not come while " + std::to_string(pending_bytes_ >> 20) +
                               " MiB of events after it did");
            }
            return {};
        }
        if (auto appended = append(seq, record); !appended) {
            return appended;
        }
        while (!stopped_ && !diverged_ && !pending_.empty() &&
               pending_.begin()->first <= head_ + 1) {
            auto node = pending_.extract(pending_.begin());
            pending_bytes_ -= node.mapped().size();
            if (node.key() <= head_) {
                if (auto same = same_as_logged(node.key(), node.mapped()); !same) {
                    return same;
                }
                continue;
            }
            if (auto appended = append(node.key(), node.mapped()); !appended) {
                return appended;
            }
        }
        return {};
    }

    /// Writes what is left; an error when the topic did not continue the log to its end.
    Result<void> finish() {
        if (differs_ != 0) {
            return unavailable(seq_text(differs_) + " on the topic differs from the one " +
                               options_.held_by);
        }
        if (auto written = write(); !written) {
            return written;
        }
        const Sequence target = options_.until_sequence.value_or(max_seen_);
        if (stopped_ || head_ >= target) {
            return {};
        }
        if (max_seen_ == 0 || max_seen_ < head_ + 1) {
            return unavailable("the topic ends at " + seq_text(max_seen_) + ", before --until " +
                               std::to_string(target));
        }
        return missing("is not on the topic");
    }

    [[nodiscard]] Sequence start() const { return start_; }
    [[nodiscard]] Sequence head() const { return head_; }
    [[nodiscard]] const std::string& hash() const { return hash_; }
    [[nodiscard]] std::uint64_t appended() const { return head_ - start_; }
    [[nodiscard]] Sequence newest() const { return max_seen_; }

private:
    /// Held events past the first one missing: at most this many bytes of them.
    static constexpr std::size_t kPendingLimit = std::size_t{1} << 30;

    /// The next sequence cannot be appended: lost to retention, or a gap.
    Error missing(const std::string& what) const {
        const Sequence missing = head_ + 1;
        const std::string keep = " (for the topic to keep every event, set retention.ms=-1)";
        if (min_seen_ > missing) {
            return unavailable("the topic no longer reaches back to " + seq_text(missing) +
                               ": its oldest event is " + seq_text(min_seen_) + keep);
        }
        if (!trimmed_.empty()) {  // each partition loses its oldest messages on its own
            return unavailable("the topic no longer reaches back to " + seq_text(missing) + ": " +
                               trimmed_ + " lost their oldest messages to retention" + keep);
        }
        // After a crash, the events the relay had in flight may have reached some partitions
        // and not others: the chain cannot be followed past the first one missing.
        return unavailable("gap: " + seq_text(missing) + " " + what + ", though " +
                           std::to_string(pending_.size()) + " later ones are (from " +
                           seq_text(pending_.empty() ? 0 : pending_.begin()->first) +
                           "); the topic continues the log without a gap to " + seq_text(head_) +
                           ": --until " + std::to_string(head_) + " restores to there");
    }

    Error different(Sequence seq) const {
        return unavailable(seq_text(seq) + " is on the topic twice, with different bytes");
    }

    /// A sequence the log already holds must be the same event, byte for byte.
    Result<void> same_as_logged(Sequence seq, const std::string& record) {
        if (seq > written_) {
            if (auto w = write(); !w) {
                return w;
            }
        }
        std::string stored;
        const auto got = db_->Get(rocksdb::ReadOptions{}, db_.log(), keys::event(seq), &stored);
        if (got.IsNotFound()) {
            return {};
        }
        if (!got.ok()) {
            return unavailable("cannot read " + seq_text(seq) + ": " + got.ToString());
        }
        if (stored == record) {
            return {};
        }
        if (seq > start_) {
            return different(seq);
        }
        // The log before the restore holds other bytes there: read on, to name the first one.
        differs_ = differs_ == 0 ? seq : std::min(differs_, seq);
        return {};
    }

    Result<void> append(Sequence seq, const std::string& record) {
        RecordParts parts;
        try {
            parts = split_record(record);
        } catch (const std::exception& e) {
            return unavailable(seq_text(seq) + ": " + e.what());
        }
        if (parts.prev_hash != hash_ && seq == start_ + 1) {
            // The topic's chain is not the log's: they differ at the head or before it. Read on
            // without appending, to name the first sequence that differs.
            diverged_ = true;
            differs_ = differs_ == 0 ? start_ : std::min(differs_, start_);
            return {};
        }
        if (parts.prev_hash != hash_) {
            return unavailable(seq_text(seq) + " does not link: its prevhash is " +
                               std::string(parts.prev_hash) + ", the hash of " + seq_text(seq - 1) +
                               " is " + hash_);
        }
        if (support::sha256_hex(parts.prev_hash, parts.body) != parts.hash) {
            return unavailable(seq_text(seq) + ": its hash is not that of its bytes");
        }
        if (options_.until_time) {
            const auto time = body_string(parts.body, "occurred_at");
            const auto parsed = time ? events::Timestamp::parse(*time) : std::nullopt;
            if (!parsed) {
                return unavailable(seq_text(seq) + ": no valid occurred_at");
            }
            if (*options_.until_time < *parsed) {
                stopped_ = true;  // the first event after the time asked for
                return {};
            }
        }
        const auto stream = body_string(parts.body, "stream");
        const auto version = body_number(parts.body, "stream_version");
        if (!stream || !version) {
            return unavailable(seq_text(seq) + ": no stream or stream_version");
        }
        std::string value;
        keys::put_be64(value, seq);
        batch_.Put(db_.log(), keys::event(seq), record);
        batch_.Put(keys::stream_entry(*stream, *version), value);
        head_ = seq;
        hash_ = std::string(parts.hash);
        if (batch_.Count() >= 4096) {
            return write();
        }
        return {};
    }

    Result<void> write() {
        if (batch_.Count() == 0) {
            return {};
        }
        rocksdb::WriteOptions wo;
        wo.disableWAL = true;  // flushed at the end; a failed restore is thrown away whole
        const auto status = db_->Write(wo, &batch_);
        if (!status.ok()) {
            return unavailable("cannot write the log: " + status.ToString());
        }
        batch_.Clear();
        written_ = head_;
        return {};
    }

    Database& db_;
    const TopicRestoreOptions& options_;
    Sequence start_ = 0;
    Sequence head_ = 0;
    Sequence written_ = 0;
    std::string hash_ = std::string(64, '0');
    Sequence min_seen_ = ~Sequence{0};
    Sequence max_seen_ = 0;
    bool stopped_ = false;
    bool diverged_ = false;  // the topic does not continue the log's chain
    Sequence differs_ = 0;   // the first sequence the topic holds other bytes for
    std::map<Sequence, std::string> pending_;
    std::size_t pending_bytes_ = 0;
    std::string trimmed_;
    rocksdb::WriteBatch batch_;
};

/// Each partition read from its oldest offset kept to the end it had when the restore began.
struct Partitions {
    std::vector<KafkaConsumer::Watermarks> marks;
    std::vector<std::int64_t> next;
    std::uint64_t total = 0;

    [[nodiscard]] bool finished() const {
        for (std::size_t p = 0; p < marks.size(); ++p) {
            if (next[p] < marks[p].high) {
                return false;
            }
        }
        return true;
    }
    /// `partitions 0, 3`: those that no longer start at offset 0; empty when none.
    [[nodiscard]] std::string trimmed() const {
        std::string out;
        for (std::size_t p = 0; p < marks.size(); ++p) {
            if (marks[p].low > 0) {
                out += (out.empty() ? "partitions " : ", ") + std::to_string(p);
            }
        }
        return out;
    }
    [[nodiscard]] std::string behind() const {
        for (std::size_t p = 0; p < marks.size(); ++p) {
            if (next[p] < marks[p].high) {
                return "partition " + std::to_string(p) + " stopped at offset " +
                       std::to_string(next[p]) + " of " + std::to_string(marks[p].high);
            }
        }
        return {};
    }
};

Result<void> consume(KafkaConsumer& consumer, Partitions& parts, Applier& applier,
                     const TopicRestoreOptions& options, std::uint64_t& messages) {
    auto last_message = Clock::now();
    auto last_shown = Clock::now();
    // Read to the end also with --until: the topic's newest event is reported (a restore that
    // stops short of it warns), and every duplicate is checked.
    while (!parts.finished()) {
        auto polled = consumer.poll(std::chrono::milliseconds(100));
        if (!polled) {
            return polled.error();
        }
        const auto now = Clock::now();
        if (!*polled) {
            // A partition whose last records are a transaction's markers ends past its last
            // message: the consumer's position says so.
            const auto at = consumer.positions();
            for (std::size_t p = 0; p < at.size() && p < parts.next.size(); ++p) {
                parts.next[p] = std::max(parts.next[p], at[p]);
            }
            if (parts.finished()) {
                break;
            }
            if (now - last_message > options.stall_timeout) {
                return unavailable("the topic stopped delivering: " + parts.behind());
            }
            continue;
        }
        last_message = now;
        const auto& m = **polled;
        const auto p = static_cast<std::size_t>(m.partition);
        if (p >= parts.next.size()) {
            continue;  // a partition added since the restore began
        }
        // Messages written since the end was asked for are taken too: they are on the topic,
        // and a second read to a later end (before_last_read) starts past them.
        parts.next[p] = std::max(parts.next[p], m.offset + 1);
        ++messages;
        auto event = topic_event(m.partition, m.offset, m.value);
        if (!event) {
            return event.error();
        }
        if (auto offered = applier.offer(event->sequence, std::move(event->record)); !offered) {
            return offered;
        }
        if (options.progress && now - last_shown > std::chrono::milliseconds(200)) {
            last_shown = now;
            options.progress({messages, parts.total, applier.head()});
        }
    }
    return {};
}

}  // namespace

namespace {

/// Reads every partition to its end as the brokers give it now.
Result<void> read_to_end(KafkaConsumer& consumer, Partitions& parts, Applier& applier,
                         const TopicRestoreOptions& options, std::uint64_t& messages) {
    auto marks = consumer.watermarks(std::chrono::milliseconds(10'000));
    if (!marks) {
        return marks.error();
    }
    if (parts.next.empty()) {
        for (const auto& m : *marks) {
            parts.next.push_back(m.low);
        }
    }
    parts.marks = std::move(*marks);
    parts.total = messages;
    for (std::size_t p = 0; p < parts.marks.size(); ++p) {
        parts.total += static_cast<std::uint64_t>(
            std::max<std::int64_t>(0, parts.marks[p].high - parts.next[p]));
    }
    return consume(consumer, parts, applier, options, messages);
}

/// The offsets kept with the relay's position (or a follower's head) in the directory, when
/// they name every partition and the position is not past the log's head; else none.
Result<std::vector<std::int64_t>> kept_offsets(Database& db, KafkaConsumer& consumer,
                                               const TopicRestoreOptions& options) {
    const std::string cluster = consumer.cluster_id(std::chrono::milliseconds(10'000));
    if (cluster.empty()) {
        return std::vector<std::int64_t>{};
    }
    std::optional<TopicPosition> kept;
    try {
        kept = kept_topic_position(*db, cluster, options.topic);
    } catch (const std::exception& e) {
        return unavailable(e.what());
    }
    const Sequence head = log_head(db).sequence;
    if (!kept || kept->sequence > head ||
        kept->offsets.size() != static_cast<std::size_t>(consumer.partitions())) {
        return std::vector<std::int64_t>{};
    }
    return kept->offsets;
}

/// Keeps the relay's position at the head when every event up to it is on the topic.
Result<bool> keep_position(Database& db, KafkaConsumer& consumer, const Applier& applier,
                           const Partitions& parts, const std::string& topic) {
    // Not when the log goes past the topic (a leader whose last events are not published yet):
    // the relay's own position says where its publishing stands then.
    if (applier.head() == 0 || applier.head() != applier.newest()) {
        return false;
    }
    const std::string cluster = consumer.cluster_id(std::chrono::milliseconds(10'000));
    if (cluster.empty()) {
        return false;
    }
    const auto kept = db->Put(rocksdb::WriteOptions{}, keys::relay_position(cluster, topic),
                              keys::topic_position_json(applier.head(), parts.next));
    if (!kept.ok()) {
        return unavailable("cannot keep the relay's position: " + kept.ToString());
    }
    return true;
}

}  // namespace

namespace {

/// The consumer a restore reads with: from each partition's oldest offset, or (with
/// from_kept_position) from the offsets kept in the directory, which go into `parts.next`.
Result<std::unique_ptr<KafkaConsumer>> open_reader(Database& db, const TopicRestoreOptions& options,
                                                   Partitions& parts) {
    KafkaConsumer::Options consumer_options{.brokers = options.brokers,
                                            .topic = options.topic,
                                            .from_beginning = true,
                                            .config = options.config,
                                            .topic_timeout = options.topic_timeout};
    auto consumer = KafkaConsumer::open(consumer_options);
    if (!consumer || !options.from_kept_position) {
        return consumer;
    }
    auto from = kept_offsets(db, **consumer, options);
    if (!from) {
        return from.error();
    }
    if (from->empty()) {
        return consumer;
    }
    consumer_options.start_offsets = *from;
    parts.next = std::move(*from);
    return KafkaConsumer::open(consumer_options);
}

/// A topic the cluster does not know yet: nothing to read, the log stays as it is.
Result<TopicRestoreReport> nothing_to_read(Database& db, const TopicRestoreOptions& options) {
    if (options.before_last_read) {
        if (auto ready = options.before_last_read(); !ready) {
            return ready.error();
        }
    }
    const Applier applier(db, options, {});
    TopicRestoreReport report;
    report.from = report.head = applier.head();
    report.hash = applier.hash();
    return report;
}

/// Reads to the end, and once more to the new end after `before_last_read` when there is one.
Result<void> read_all(KafkaConsumer& consumer, Partitions& parts, Applier& applier,
                      const TopicRestoreOptions& options, std::uint64_t& messages) {
    if (auto read = read_to_end(consumer, parts, applier, options, messages); !read) {
        return read;
    }
    if (!options.before_last_read) {
        return {};
    }
    // What was published while the first read went on is read next, to the new end.
    if (auto ready = options.before_last_read(); !ready) {
        return ready;
    }
    return read_to_end(consumer, parts, applier, options, messages);
}

}  // namespace

Result<TopicRestoreReport> restore_from_topic(const TopicRestoreOptions& options) {
    const auto started = Clock::now();
    auto db = open_db(options.data_dir);
    if (!db) {
        return db.error();
    }
    Partitions parts;
    auto consumer = open_reader(*db, options, parts);
    if (!consumer && consumer.error().code == ErrorCode::kNotFound &&
        options.absent_topic_is_empty) {
        return nothing_to_read(*db, options);
    }
    if (!consumer) {
        return consumer.error();
    }
    if (auto marks = (*consumer)->watermarks(std::chrono::milliseconds(10'000)); !marks) {
        return marks.error();
    } else {
        parts.marks = std::move(*marks);
    }
    Applier applier(*db, options, parts.trimmed());
    TopicRestoreReport report;
    report.from = applier.start();
    if (auto read = read_all(**consumer, parts, applier, options, report.messages); !read) {
        return read.error();
    }
    if (auto finished = applier.finish(); !finished) {
        return finished.error();
    }
    auto kept = keep_position(*db, **consumer, applier, parts, options.topic);
    if (!kept) {
        return kept.error();
    }
    report.position_kept = *kept;
    if (const auto flushed = db->flush(); !flushed.ok()) {
        return unavailable("cannot flush the log: " + flushed.ToString());
    }
    if (options.progress) {
        options.progress({report.messages, parts.total, applier.head()});
    }
    report.head = applier.head();
    report.hash = applier.hash();
    report.events = applier.appended();
    report.newest = applier.newest();
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return report;
}

}  // namespace deals::store

namespace deals::store {

Result<TopicRestoreReport> take_over_topic(TopicRestoreOptions options) {
    options.held_by = "this data directory holds";
    options.absent_topic_is_empty = true;
    options.from_kept_position = true;
    options.until_sequence.reset();
    options.until_time.reset();
    RelayOptions relay{
        .brokers = options.brokers, .topic = options.topic, .config = options.config};
    options.before_last_read = [relay] {
        return fence_older_leaders(relay, std::chrono::seconds(30));
    };
    return restore_from_topic(options);
}

}  // namespace deals::store
