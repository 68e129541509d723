#include "tools/backup_command.hpp"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "store/backup.hpp"
#include "store/store.hpp"
#include "support/json.hpp"
#include "tools/command_support.hpp"
#include "tools/control_socket.hpp"
#include "tools/progress_bar.hpp"
#include "tools/verify_command.hpp"

namespace deals::tools {

namespace {

namespace fs = std::filesystem;

std::string json_quoted(std::string_view s) {
    json::Buffer buffer;
    json::Writer w(buffer);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return {buffer.GetString(), buffer.GetSize()};
}

std::string mib(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    return buf;
}

store::CopyProgressFn bar_for(ProgressBar& bar, bool on, const char* phase) {
    if (!on) {
        return {};
    }
    return [&bar, phase](const store::CopyProgress& p) {
        bar.show(phase, p.bytes >> 10, p.total_bytes >> 10, "KiB");
    };
}

/// The backup taken by the dealsd that holds `data_dir`; nothing when none serves it.
std::optional<Result<store::BackupInfo>> ask_server(const std::string& data_dir,
                                                    const std::string& backup_dir, ProgressBar& bar,
                                                    bool progress) {
    const std::string request = "{\"command\":\"backup\",\"backup_dir\":" +
                                json_quoted(fs::absolute(backup_dir).lexically_normal().string()) +
                                "}";
    std::optional<Result<store::BackupInfo>> answer;
    const auto sent = control::request(data_dir, request, [&](const std::string& line) {
        json::Document doc;
        doc.Parse(line.data(), line.size());
        if (doc.HasParseError() || !doc.IsObject()) {
            answer = unavailable("dealsd answered: " + line);
        } else if (doc.HasMember("progress")) {
            const auto& p = doc["progress"];
            if (progress && p.IsArray() && p.Size() == 2 && p[0].IsUint64() && p[1].IsUint64()) {
                bar.show("copying", p[0].GetUint64() >> 10, p[1].GetUint64() >> 10, "KiB");
            }
        } else if (doc.HasMember("error") && doc["error"].IsString()) {
            answer = unavailable(doc["error"].GetString());
        } else if (doc.HasMember("backup")) {
            json::Buffer buffer;
            rapidjson::Writer<json::Buffer> w(buffer);
            doc["backup"].Accept(w);
            answer = store::parse_backup_json({buffer.GetString(), buffer.GetSize()});
        }
    });
    if (!sent) {
        return std::nullopt;
    }
    if (!*sent) {
        return Result<store::BackupInfo>(sent->error());
    }
    if (!answer) {
        return Result<store::BackupInfo>(
            unavailable("dealsd closed the connection with no answer"));
    }
    if (*answer) {  // written by dealsd: it must be there as this process sees the directory
        const auto here = store::find_backup(backup_dir, (*answer)->id);
        if (!here || here->sequence != (*answer)->sequence || here->hash != (*answer)->hash) {
            return Result<store::BackupInfo>(unavailable(
                "dealsd wrote backup " + std::to_string((*answer)->id) + " to " + backup_dir +
                ", but it is not there as seen from here: do dealsd and dealsctl see the same "
                "file system?"));
        }
    }
    return answer;
}

/// The backup taken here, on a data directory no dealsd serves.
Result<store::BackupInfo> take_here(const std::string& data_dir, std::uint64_t min_free_bytes,
                                    const std::string& backup_dir, ProgressBar& bar,
                                    bool progress) {
    std::error_code ec;
    if (!fs::exists(fs::path(data_dir) / "CURRENT", ec)) {
        return unavailable("there is no data directory at " + data_dir);
    }
    auto store = store::Store::open({.data_dir = data_dir,
                                     .min_free_bytes = min_free_bytes,
                                     .seed_defaults = false,
                                     .clock = events::Timestamp::system_now});
    if (!store) {
        return store.error();
    }
    auto info = (*store)->backup(backup_dir, bar_for(bar, progress, "copying"));
    (*store)->close();
    return info;
}

int take(const std::string& data_dir, std::uint64_t min_free_bytes, const BackupCommand& c) {
    ProgressBar bar;
    auto info = ask_server(data_dir, c.backup_dir, bar, c.progress);
    const bool by_server = info.has_value();
    if (!info) {
        info = take_here(data_dir, min_free_bytes, c.backup_dir, bar, c.progress);
    }
    bar.end();
    if (!*info) {
        return fail((*info).error());
    }
    const auto& b = **info;
    if (c.json) {
        std::printf("%s\n", store::backup_json(b).c_str());
    }
    std::printf("backed up %s (%s new) in %.2f s%s; appends waited %.1f ms\n", mib(b.size).c_str(),
                mib(b.new_bytes).c_str(), b.seconds, by_server ? " while dealsd serves" : "",
                b.held_ms);
    std::printf("backup %" PRIu64 ": sequence %" PRIu64 " hash %s\n", b.id, b.sequence,
                b.hash.c_str());
    return 0;
}

int list(const BackupCommand& c) {
    auto backups = store::list_backups(c.backup_dir);
    if (!backups) {
        return fail(backups.error());
    }
    if (c.json) {
        for (const auto& b : *backups) {
            std::printf("%s\n", store::backup_json(b).c_str());
        }
        return 0;
    }
    std::printf("%-4s %-24s %10s %-64s %12s %12s\n", "id", "time", "sequence", "hash", "size",
                "new");
    for (const auto& b : *backups) {
        std::printf("%-4" PRIu64 " %-24s %10" PRIu64 " %-64s %12s %12s\n", b.id, b.time.c_str(),
                    b.sequence, b.hash.c_str(), mib(b.size).c_str(), mib(b.new_bytes).c_str());
    }
    if (backups->empty()) {
        std::printf("(no backups in %s)\n", c.backup_dir.c_str());
    }
    return 0;
}

/// Checks one backup: its files' sizes and CRC-32C, then the hash chain of the log inside,
/// which must end at the head it recorded.
int verify_one(const BackupCommand& c, const store::BackupInfo& b) {
    ProgressBar bar;
    auto bytes = store::check_backup_files(c.backup_dir, b, bar_for(bar, c.progress, "reading"));
    bar.end();
    if (!bytes) {
        return fail(bytes.error());
    }
    std::printf("backup %" PRIu64 ": %zu files, %s: checksums match\n", b.id, b.files.size(),
                mib(*bytes).c_str());
    std::fflush(stdout);
    if (b.sequence > 0) {
        VerifyCommand chain;
        chain.at = b.sequence;
        chain.expect_hash = b.hash;
        chain.progress = c.progress && isatty(STDERR_FILENO) == 1;
        if (const int rc = run_verify(store::backup_db_dir(c.backup_dir, b.id), chain); rc != 0) {
            return fail("backup " + std::to_string(b.id) + ": the log inside does not verify");
        }
    }
    std::printf("backup %" PRIu64 ": verified: sequence %" PRIu64 " hash %s\n", b.id, b.sequence,
                b.hash.c_str());
    return 0;
}

int verify(const BackupCommand& c) {
    std::vector<store::BackupInfo> chosen;
    if (c.id) {
        auto one = store::find_backup(c.backup_dir, c.id);
        if (!one) {
            return fail(one.error());
        }
        chosen.push_back(std::move(*one));
    } else {
        auto all = store::list_backups(c.backup_dir);
        if (!all) {
            return fail(all.error());
        }
        if (all->empty()) {
            return fail("there is no backup in " + c.backup_dir);
        }
        chosen = std::move(*all);
    }
    for (const auto& b : chosen) {
        if (const int rc = verify_one(c, b); rc != 0) {
            return rc;
        }
    }
    return 0;
}

}  // namespace

CLI::App* add_backup_command(CLI::App& cli, BackupCommand& command) {
    auto* cmd = cli.add_subcommand(
        "backup",
        "Back up the data directory into --backup-dir, also while dealsd serves it "
        "(incremental, checksummed); or --list or --verify the backups there");
    cmd->add_option("--backup-dir", command.backup_dir, "The backup directory")->required();
    auto* list = cmd->add_flag("--list", command.list, "List the backups: id, time, head, size");
    auto* verify = cmd->add_flag("--verify", command.verify,
                                 "Check every file's checksum and the log's hash chain");
    list->excludes(verify);
    cmd->add_option("--id", command.id, "With --verify: only this backup")->needs(verify);
    cmd->add_flag("--json", command.json, "Each backup's description as JSON as well");
    cmd->add_flag("!--no-progress", command.progress, "No progress on stderr");
    return cmd;
}

int run_backup(const std::string& data_dir, std::uint64_t min_free_bytes,
               const BackupCommand& command) {
    if (command.list) {
        return list(command);
    }
    if (command.verify) {
        return verify(command);
    }
    return take(data_dir, min_free_bytes, command);
}

}  // namespace deals::tools
