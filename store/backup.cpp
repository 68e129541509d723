#include "store/backup.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "store/backup_files.hpp"
#include "store/reflect_json.hpp"
#include "support/json.hpp"

// Reading backups back: their descriptions, checking and copying their files. Taking one is in
// backup_take.cpp.

namespace deals::store {

namespace fs = std::filesystem;

std::string backup_json(const BackupInfo& b) {
    json::Buffer buffer;
    json::Writer w(buffer);
    reflect::write(w, b);
    return {buffer.GetString(), buffer.GetSize()};
}

Result<BackupInfo> parse_backup_json(std::string_view text) {
    json::Document doc;
    doc.Parse<json::kExactNumbers>(text.data(), text.size());
    BackupInfo b;
    try {
        if (doc.HasParseError()) {
            throw std::runtime_error("not JSON");
        }
        reflect::read(doc, b);
    } catch (const std::exception& e) {
        return unavailable(std::string("not a backup's description: ") + e.what());
    }
    return b;
}

namespace {

Result<std::string> read_text(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        return unavailable("cannot open " + path + ": " + std::strerror(errno));
    }
    std::string out;
    char buffer[65536];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
        out.append(buffer, n);
    }
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) {
        return unavailable("cannot read " + path);
    }
    return out;
}

}  // namespace

std::string backup_db_dir(const std::string& backup_dir, std::uint64_t id) {
    return backup_dir + "/private/" + std::to_string(id);
}

Result<std::vector<BackupInfo>> list_backups(const std::string& backup_dir) {
    std::vector<BackupInfo> out;
    std::error_code ec;
    if (!fs::exists(backup_dir + "/meta", ec)) {
        return out;
    }
    for (fs::directory_iterator it(backup_dir + "/meta", ec), end; !ec && it != end;
         it.increment(ec)) {
        const auto& entry = *it;
        if (entry.path().extension() != ".json") {
            continue;
        }
        auto bytes = read_text(entry.path().string());
        if (!bytes) {
            return bytes.error();
        }
        auto parsed = parse_backup_json(*bytes);
        if (!parsed) {
            return unavailable("cannot read " + entry.path().string() + ": " +
                               parsed.error().message);
        }
        out.push_back(std::move(*parsed));
    }
    if (ec) {
        return unavailable("cannot list " + backup_dir + "/meta: " + ec.message());
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

Result<BackupInfo> find_backup(const std::string& backup_dir, std::optional<std::uint64_t> id) {
    auto backups = list_backups(backup_dir);
    if (!backups) {
        return backups.error();
    }
    if (backups->empty()) {
        return unavailable("there is no backup in " + backup_dir);
    }
    if (!id) {
        return backups->back();
    }
    for (auto& b : *backups) {
        if (b.id == *id) {
            return std::move(b);
        }
    }
    std::string ids;
    for (const auto& b : *backups) {
        ids += (ids.empty() ? "" : ", ") + std::to_string(b.id);
    }
    return unavailable("there is no backup " + std::to_string(*id) + " in " + backup_dir +
                       " (it holds " + ids + ")");
}

namespace {

/// Reads every file of `backup` through `read` (which returns the CRC-32C of what it read) and
/// checks each against the one recorded; returns the bytes read.
Result<std::uint64_t> read_files(
    const std::string& backup_dir, const BackupInfo& backup, const CopyProgressFn& progress,
    const std::function<Result<std::string>(const BackupFile&, const std::string&,
                                            backup_files::Meter&)>& read) {
    std::uint64_t total = 0;
    for (const auto& f : backup.files) {
        total += f.size;
    }
    backup_files::Meter meter(total, progress);
    const std::string dir = backup_db_dir(backup_dir, backup.id);
    const std::string which = "backup " + std::to_string(backup.id) + ": ";
    for (const auto& f : backup.files) {
        auto crc = read(f, dir + "/" + f.name, meter);
        if (!crc) {
            return unavailable(which + crc.error().message);
        }
        if (*crc != f.crc32c) {
            return unavailable(which + f.name + " has CRC-32C " + *crc + ", recorded " + f.crc32c);
        }
    }
    meter.finish();
    return total;
}

}  // namespace

Result<std::uint64_t> check_backup_files(const std::string& backup_dir, const BackupInfo& backup,
                                         const CopyProgressFn& progress) {
    return read_files(backup_dir, backup, progress,
                      [](const BackupFile& f, const std::string& path, backup_files::Meter& m) {
                          return backup_files::checksum(path, f.size, m);
                      });
}

Result<void> copy_backup(const std::string& backup_dir, const BackupInfo& backup,
                         const std::string& target, const CopyProgressFn& progress) {
    std::error_code ec;
    if (!fs::create_directory(target, ec) || ec) {
        return unavailable("cannot create " + target + (ec ? ": " + ec.message() : ": it exists"));
    }
    auto copied = read_files(
        backup_dir, backup, progress,
        [&target](const BackupFile& f, const std::string& path,
                  backup_files::Meter& m) -> Result<std::string> {
            std::error_code ec;
            if (const auto size = fs::file_size(path, ec); !ec && size != f.size) {
                return unavailable(f.name + " is " + std::to_string(size) + " bytes, recorded " +
                                   std::to_string(f.size));
            }
            return backup_files::copy(path, target + "/" + f.name, f.size, m);
        });
    if (!copied) {
        return copied.error();
    }
    return backup_files::sync_directory(target);
}

}  // namespace deals::store
