#include "tools/restore_command.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "store/backup.hpp"
#include "store/backup_files.hpp"
#include "store/codec.hpp"
#include "store/log_reader.hpp"
#include "store/rebuild.hpp"
#include "store/store.hpp"
#include "store/topic_restore.hpp"
#include "tools/audit_support.hpp"
#include "tools/command_support.hpp"
#include "tools/progress_bar.hpp"
#include "tools/rebuild_command.hpp"

namespace deals::tools {

namespace {

namespace fs = std::filesystem;

/// `/a/b/` as `/a/b`: a directory named by its last component.
fs::path without_slash(fs::path p) {
    return p.has_filename() || !p.has_parent_path() ? p : p.parent_path();
}

/// Where the restore is built, beside the target (so that the rename is atomic); removed
/// unless it was renamed into place.
struct Staging {
    fs::path target;
    fs::path path;
    bool kept = false;

    explicit Staging(const std::string& data_dir)
        : target(without_slash(fs::absolute(data_dir).lexically_normal())),
          path(target.parent_path() /
               ("." + target.filename().string() + ".restoring-" + std::to_string(::getpid()))) {}
    ~Staging() {
        if (!kept) {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    }
    Staging(const Staging&) = delete;
    Staging& operator=(const Staging&) = delete;

    /// Removes what restores that were killed left beside the target (their process is gone).
    void remove_abandoned() const {
        const std::string prefix = "." + target.filename().string() + ".restoring-";
        std::error_code ec;
        for (fs::directory_iterator it(target.parent_path(), ec), end; !ec && it != end;
             it.increment(ec)) {
            const auto& entry = *it;
            const std::string name = entry.path().filename().string();
            if (name.rfind(prefix, 0) != 0) {
                continue;
            }
            const std::string pid = name.substr(prefix.size());
            if (pid.empty() || pid.size() > 9 ||
                pid.find_first_not_of("0123456789") != std::string::npos) {
                continue;
            }
            if (::kill(static_cast<pid_t>(std::stol(pid)), 0) != 0 && errno == ESRCH) {
                fs::remove_all(entry.path(), ec);
            }
        }
    }

    /// The target, when it is absent or an empty directory (which it replaces).
    Result<void> check_target() const {
        std::error_code ec;
        if (fs::is_symlink(target, ec)) {
            return unavailable(target.string() + " is a symbolic link: name the directory itself");
        }
        if (!fs::exists(target, ec)) {
            return {};
        }
        if (!fs::is_directory(target, ec) || !fs::is_empty(target, ec)) {
            return unavailable(target.string() +
                               " is not empty: restore makes a new data "
                               "directory");
        }
        return {};
    }

    Result<void> move_into_place() {
        std::error_code ec;
        fs::rename(path, target, ec);  // replaces an empty directory there, as rename(2) does
        if (ec) {
            return unavailable("cannot rename " + path.string() + " to " + target.string() + ": " +
                               ec.message());
        }
        kept = true;
        return store::backup_files::sync_directory(target.parent_path().string());
    }
};

/// The head of the log a restore built, and how many events came from the topic.
struct Restored {
    events::Sequence sequence = 0;
    std::string hash = std::string(64, '0');
    std::optional<std::uint64_t> from_kafka;
};

/// Opens the directory as dealsd would (replaying what the last checkpoint does not hold) and
/// closes it again with a synced checkpoint; returns the log's head.
Result<Restored> settle(const std::string& dir) {
    auto opened = store::Store::open(
        {.data_dir = dir, .seed_defaults = false, .clock = events::Timestamp::system_now});
    if (!opened) {
        return opened.error();
    }
    Restored r{(*opened)->log().head_sequence(), (*opened)->log().head_hash(), std::nullopt};
    (*opened)->close();
    return r;
}

Result<Restored> from_backup(const RestoreCommand& c, const std::string& staging,
                             ProgressBar& bar) {
    auto backup = store::find_backup(c.backup_dir, c.id);
    if (!backup) {
        return backup.error();
    }
    std::fprintf(stderr, "restoring backup %" PRIu64 " (sequence %" PRIu64 ", %s)\n", backup->id,
                 backup->sequence, backup->time.c_str());
    store::CopyProgressFn progress;
    if (c.progress) {
        progress = [&bar](const store::CopyProgress& p) {
            bar.show("copying", p.bytes >> 10, p.total_bytes >> 10, "KiB");
        };
    }
    if (auto copied = store::copy_backup(c.backup_dir, *backup, staging, progress); !copied) {
        return copied.error();
    }
    bar.end();
    auto settled = settle(staging);
    if (!settled) {
        return settled.error();
    }
    if (settled->sequence != backup->sequence || settled->hash != backup->hash) {
        return unavailable("backup " + std::to_string(backup->id) + " opens at sequence " +
                           std::to_string(settled->sequence) + " hash " + settled->hash +
                           ", not at the head it recorded (sequence " +
                           std::to_string(backup->sequence) + " hash " + backup->hash + ")");
    }
    return settled;
}

/// Whether the restored backup's head is at or before `--until`: a backup cannot be cut short.
Result<void> before_until(const std::string& staging, events::Sequence head,
                          const audit::Point* until) {
    if (until == nullptr || head == 0) {
        return {};
    }
    const std::string past = "the backup's head, sequence " + std::to_string(head);
    if (until->sequence) {
        if (*until->sequence < head) {
            return unavailable(past + ", is past --until " + until->text);
        }
        return {};
    }
    auto reader = store::LogReader::open(staging);
    if (!reader) {
        return reader.error();
    }
    const auto record = (*reader)->record(head);
    const auto body = record ? store::split_record(record->bytes).body : std::string_view{};
    const auto time = store::body_string(body, "occurred_at");
    const auto at = time ? events::Timestamp::parse(*time) : std::nullopt;
    if (!at) {
        return unavailable("cannot read the time of sequence " + std::to_string(head));
    }
    if (*until->time < *at) {
        return unavailable(past + ", occurred at " + at->str() + ", after --until " + until->text);
    }
    return {};
}

Result<store::TopicRestoreReport> from_topic(const RestoreCommand& c, const std::string& staging,
                                             const audit::Point* until, ProgressBar& bar) {
    auto config = store::parse_kafka_config(c.kafka_config);
    if (!config) {
        return config.error();
    }
    store::TopicRestoreOptions options{
        .data_dir = staging, .brokers = c.kafka, .topic = c.topic, .config = std::move(*config)};
    if (until != nullptr) {
        options.until_sequence = until->sequence;
        options.until_time = until->time;
    }
    if (c.progress) {
        options.progress = [&bar](const store::TopicProgress& p) {
            bar.show("reading the topic", p.messages, p.total_messages, "messages");
        };
    }
    auto report = store::restore_from_topic(options);
    bar.end();
    return report;
}

/// The views of a log rebuilt from the topic alone: folded in bulk, as `dealsctl rebuild` does.
Result<void> fold_views(const std::string& staging, bool progress, ProgressBar& bar) {
    store::RebuildOptions options{staging, {}, 0};
    if (progress) {
        options.progress = [&bar](const store::RebuildProgress& p) { show_rebuild(bar, p); };
    }
    auto rebuilt = store::rebuild_views(options);
    bar.end();
    if (!rebuilt) {
        return rebuilt.error();
    }
    return {};
}

Result<Restored> restore(const RestoreCommand& c, const std::string& staging,
                         const audit::Point* until) {
    ProgressBar bar;
    Restored restored;
    if (!c.backup_dir.empty()) {
        auto from = from_backup(c, staging, bar);
        if (!from) {
            return from.error();
        }
        restored = *from;
        if (auto before = before_until(staging, restored.sequence, until); !before) {
            return before.error();
        }
    }
    if (c.kafka.empty()) {
        return restored;
    }
    auto topic = from_topic(c, staging, until, bar);
    if (!topic) {
        return topic.error();
    }
    if (topic->head == 0) {
        return unavailable("the topic " + c.topic + " holds no events");
    }
    if (c.backup_dir.empty()) {
        if (auto views = fold_views(staging, c.progress, bar); !views) {
            return views.error();
        }
    } else if (auto settled = settle(staging); !settled) {  // folds what the topic added
        return settled.error();
    }
    std::fprintf(stderr, "read %" PRIu64 " messages in %.2f s (%.0f events/s)\n", topic->messages,
                 topic->seconds, topic->seconds > 0 ? topic->events / topic->seconds : 0.0);
    if (topic->newest > topic->head) {
        std::fprintf(stderr,
                     "warning: the topic holds events up to sequence %" PRIu64
                     ", past the "
                     "restored head: start dealsd on a new topic (--kafka-topic), or the events "
                     "it appends will take those sequences with other bytes\n",
                     topic->newest);
    }
    return Restored{topic->head, topic->hash, topic->events};
}

}  // namespace

CLI::App* add_restore_command(CLI::App& cli, RestoreCommand& command) {
    auto* cmd = cli.add_subcommand(
        "restore",
        "Make a new data directory (--data-dir) from a backup, from the Kafka topic, or from a "
        "backup and then the topic's events after it (point-in-time recovery)");
    auto* backup = cmd->add_option("--backup-dir", command.backup_dir, "The backup directory");
    cmd->add_option("--id", command.id, "The backup to restore (default: the newest)")
        ->needs(backup);
    auto* kafka = cmd->add_option("--kafka", command.kafka,
                                  "HOST:PORT of the Kafka cluster holding the topic");
    cmd->add_option("--kafka-topic", command.topic, "The topic the log was published to")
        ->capture_default_str()
        ->needs(kafka);
    cmd->add_option("--kafka-config", command.kafka_config,
                    "key=value settings for the Kafka consumer (SASL, TLS), as dealsd takes them")
        ->needs(kafka);
    cmd->add_option("--until", command.until,
                    "With --kafka: stop at this sequence, or at the last event at or before "
                    "this time (ISO-8601 or YYYY-MM-DD)")
        ->needs(kafka);
    cmd->add_flag("!--no-progress", command.progress, "No progress on stderr");
    return cmd;
}

int run_restore(const std::string& data_dir, const RestoreCommand& c) {
    if (c.backup_dir.empty() && c.kafka.empty()) {
        return fail("restore needs --backup-dir, --kafka, or both");
    }
    if (!c.until.empty() && c.kafka.empty()) {
        return fail("--until needs --kafka: a backup restores to its own head");
    }
    std::optional<audit::Point> until;
    if (!c.until.empty()) {
        until = audit::parse_point(c.until);
        if (!until) {
            return fail("--until " + c.until + " is neither a sequence nor a time");
        }
    }
    Staging staging(data_dir);
    if (auto target = staging.check_target(); !target) {
        return fail(target.error());
    }
    staging.remove_abandoned();
    auto restored = restore(c, staging.path.string(), until ? &*until : nullptr);
    if (!restored) {
        return fail(restored.error());
    }
    if (auto moved = staging.move_into_place(); !moved) {
        return fail(moved.error());
    }
    if (restored->from_kafka) {
        std::printf("restored: sequence %" PRIu64 " hash %s (%" PRIu64 " events from kafka)\n",
                    restored->sequence, restored->hash.c_str(), *restored->from_kafka);
    } else {
        std::printf("restored: sequence %" PRIu64 " hash %s\n", restored->sequence,
                    restored->hash.c_str());
    }
    return 0;
}

}  // namespace deals::tools
