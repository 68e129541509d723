// Backups of a data directory (store/backup.hpp): a backup taken while appends go on holds
// exactly a gapless prefix of the log; the next one is incremental (it shares the table files
// the first copied); every file is checked by size and CRC-32C; a copy of a backup opens at the
// head it recorded; an unfinished backup is ignored and cleaned away.

#include "store/backup.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "store/codec.hpp"
#include "store/log_reader.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/user_requests.hpp"

using namespace deals;
using deals::testing::create_user;
using deals::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<store::Store> open_store(const std::string& dir) {
    auto s = store::Store::open({.data_dir = dir, .seed_defaults = false});
    REQUIRE(s.has_value());
    return std::move(*s);
}

/// Appends users `first`, `first + 1`, … (`count` of them), one append each.
void append_users(store::Store& s, std::int64_t first, int count) {
    for (std::int64_t id = first; id < first + count; ++id) {
        INFO("user " << id);
        REQUIRE(s.append_and_wait(create_user(id)).has_value());
    }
}

store::BackupInfo take_backup(store::Store& s, const std::string& backup_dir) {
    auto b = s.backup(backup_dir, {});
    INFO((b ? "" : b.error().message));
    REQUIRE(b.has_value());
    return std::move(*b);
}

/// The hash stored with the live log's record at `seq`.
std::string live_hash(store::Store& s, events::Sequence seq) {
    const std::string record = s.log().read_record(seq);
    REQUIRE_FALSE(record.empty());
    return std::string(store::split_record(record).hash);
}

/// Opens `db_dir` with LogReader: its head is the backup's, and it holds the live log's records
/// 1..head byte for byte and nothing after.
void require_prefix_of(store::Store& live, const std::string& db_dir, const store::BackupInfo& b) {
    auto reader = store::LogReader::open(db_dir);
    INFO(db_dir << ": " << (reader ? "" : reader.error().message));
    REQUIRE(reader.has_value());
    const auto head = (*reader)->head();
    REQUIRE(head.sequence == b.sequence);
    REQUIRE(head.hash == b.hash);
    for (events::Sequence seq = 1; seq <= b.sequence; ++seq) {
        INFO("sequence " << seq);
        const auto record = (*reader)->record(seq);
        REQUIRE(record.has_value());
        REQUIRE(record->bytes == live.log().read_record(seq));
    }
    CHECK_FALSE((*reader)->record(b.sequence + 1).has_value());
}

std::set<std::string> shared_names(const store::BackupInfo& b) {
    std::set<std::string> out;
    for (const auto& f : b.files) {
        if (!f.shared.empty()) {
            out.insert(f.shared);
        }
    }
    return out;
}

/// Flips every bit of the byte in the middle of `path`.
void flip_a_byte(const std::string& path) {
    const auto size = fs::file_size(path);
    REQUIRE(size > 0);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f.good());
    f.seekg(static_cast<std::streamoff>(size / 2));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put(static_cast<char>(~c));
    f.close();
    REQUIRE_FALSE(f.fail());
}

/// Spins until `counter` reaches `at_least` (the writer thread's progress, a real condition).
void wait_for(const std::atomic<int>& counter, int at_least) {
    while (counter.load() < at_least) {
        std::this_thread::yield();
    }
}

}  // namespace

TEST_CASE("a backup taken while appends go on holds exactly a gapless prefix of the log",
          "[store][backup]") {
    TempDir data;
    TempDir backups;
    auto live = open_store(data.path() + "/data");
    append_users(*live, 1, 50);

    std::atomic<bool> stop{false};
    std::atomic<int> appended{0};
    std::atomic<int> refused{0};
    std::thread writer([&] {
        for (std::int64_t id = 1000; !stop.load(); ++id) {
            refused += live->append_and_wait(create_user(id)).has_error() ? 1 : 0;
            ++appended;
        }
    });
    wait_for(appended, 20);
    const auto head_before = live->log().head_sequence();
    auto b = live->backup(backups.path(), {});
    const auto head_after = live->log().head_sequence();
    wait_for(appended, appended.load() + 20);  // appends go on after it too
    stop = true;
    writer.join();
    REQUIRE(refused == 0);
    INFO((b ? "" : b.error().message));
    REQUIRE(b.has_value());

    INFO("backup at sequence " << b->sequence << ", live head " << head_before << " before it and "
                               << head_after << " after it");
    CHECK(b->sequence >= head_before);
    CHECK(b->sequence <= head_after);
    REQUIRE(b->sequence < live->log().head_sequence());
    CHECK(b->hash == live_hash(*live, b->sequence));

    require_prefix_of(*live, store::backup_db_dir(backups.path(), b->id), *b);

    // Reading it left its files as they were recorded.
    const auto checked = store::check_backup_files(backups.path(), *b, {});
    INFO((checked ? "" : checked.error().message));
    REQUIRE(checked.has_value());
    CHECK(*checked == b->size);
    auto listed = store::list_backups(backups.path());
    REQUIRE(listed.has_value());
    REQUIRE(listed->size() == 1);
    CHECK(store::backup_json(listed->front()) == store::backup_json(*b));
}

TEST_CASE("a second backup is incremental: it shares the table files the first copied",
          "[store][backup]") {
    TempDir data;
    TempDir backups;
    // A backup does not flush: what the memtables hold goes as the WAL. Closing the store
    // flushes, so each reopening leaves a table file of what was appended before it.
    const std::string dir = data.path() + "/data";
    auto live = open_store(dir);
    append_users(*live, 1, 300);
    live.reset();
    live = open_store(dir);
    const auto first = take_backup(*live, backups.path());
    append_users(*live, 301, 30);
    live.reset();
    live = open_store(dir);
    const auto second = take_backup(*live, backups.path());

    CHECK(first.sequence == 300);
    CHECK(second.id == first.id + 1);
    CHECK(second.sequence == 330);
    CHECK(second.hash == live->log().head_hash());
    CHECK(first.new_bytes == first.size);  // nothing to share yet
    INFO("second backup: " << second.size << " bytes, " << second.new_bytes << " new");
    CHECK(second.new_bytes < second.size);

    const auto before = shared_names(first);
    REQUIRE_FALSE(before.empty());
    std::uint64_t expected_new = 0;
    std::set<std::string> reused;
    for (const auto& f : second.files) {
        INFO(f.name << " (shared " << f.shared << ")");
        if (!f.shared.empty() && before.count(f.shared) != 0) {
            reused.insert(f.shared);
            // One file in shared/, linked into both backups.
            CHECK(fs::hard_link_count(backups.path() + "/shared/" + f.shared) == 3);
        } else {
            expected_new += f.size;
        }
    }
    CHECK(reused == before);  // no compaction ran: every table file of the first is still live
    CHECK(second.new_bytes == expected_new);
    CHECK(shared_names(second).size() > before.size());  // the second close's table file

    require_prefix_of(*live, store::backup_db_dir(backups.path(), first.id), first);
    require_prefix_of(*live, store::backup_db_dir(backups.path(), second.id), second);
}

TEST_CASE("checking a backup's files finds a flipped byte and names the file", "[store][backup]") {
    TempDir data;
    TempDir backups;
    const std::string dir = data.path() + "/data";
    auto live = open_store(dir);
    append_users(*live, 1, 100);
    live.reset();  // closing flushes: a table file to damage
    live = open_store(dir);
    const auto b = take_backup(*live, backups.path());
    const auto checked = store::check_backup_files(backups.path(), b, {});
    INFO((checked ? "" : checked.error().message));
    REQUIRE(checked.has_value());
    CHECK(*checked == b.size);

    std::string victim;
    SECTION("a table file (linked into shared/)") {
        for (const auto& f : b.files) {
            if (!f.shared.empty()) {
                victim = f.name;
            }
        }
    }
    SECTION("the MANIFEST (a private copy)") {
        for (const auto& f : b.files) {
            if (f.name.rfind("MANIFEST-", 0) == 0) {
                victim = f.name;
            }
        }
    }
    REQUIRE_FALSE(victim.empty());
    flip_a_byte(store::backup_db_dir(backups.path(), b.id) + "/" + victim);
    const auto damaged = store::check_backup_files(backups.path(), b, {});
    REQUIRE_FALSE(damaged);
    INFO(damaged.error().message);
    CHECK(damaged.error().message.find(victim) != std::string::npos);
    CHECK(damaged.error().message.find("backup " + std::to_string(b.id)) != std::string::npos);
}

TEST_CASE("a copy of a backup opens at the head the backup recorded", "[store][backup]") {
    TempDir data;
    TempDir backups;
    TempDir restores;
    auto live = open_store(data.path() + "/data");
    append_users(*live, 1, 120);
    const auto first = take_backup(*live, backups.path());
    append_users(*live, 121, 15);
    const auto second = take_backup(*live, backups.path());
    append_users(*live, 136, 5);  // past both

    for (const auto& b : {first, second}) {
        const std::string target = restores.path() + "/" + std::to_string(b.id);
        INFO("backup " << b.id << " at sequence " << b.sequence);
        const auto copied = store::copy_backup(backups.path(), b, target, {});
        INFO((copied ? "" : copied.error().message));
        REQUIRE(copied.has_value());
        CHECK_FALSE(store::copy_backup(backups.path(), b, target, {}).has_value());  // it exists
        auto restored = open_store(target);
        CHECK(restored->log().head_sequence() == b.sequence);
        CHECK(restored->log().head_hash() == b.hash);
        CHECK(restored->log().read_record(b.sequence) == live->log().read_record(b.sequence));
        CHECK(restored->log().read_record(b.sequence + 1).empty());
    }
}

TEST_CASE("an unfinished backup is not listed, and the next backup cleans it away",
          "[store][backup]") {
    TempDir data;
    TempDir backups;
    auto live = open_store(data.path() + "/data");
    append_users(*live, 1, 40);
    const auto first = take_backup(*live, backups.path());
    REQUIRE(first.id == 1);

    // What a backup killed before its meta file was written leaves behind.
    const std::string unfinished = store::backup_db_dir(backups.path(), 7);
    fs::create_directories(unfinished);
    std::ofstream(unfinished + "/MANIFEST-000001") << "half a manifest";
    auto listed = store::list_backups(backups.path());
    REQUIRE(listed.has_value());
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().id == 1);
    CHECK_FALSE(store::find_backup(backups.path(), 7).has_value());

    append_users(*live, 41, 5);
    const auto next = take_backup(*live, backups.path());
    CHECK(next.id == 8);
    CHECK_FALSE(fs::exists(unfinished));
    listed = store::list_backups(backups.path());
    REQUIRE(listed.has_value());
    REQUIRE(listed->size() == 2);
    CHECK(listed->at(0).id == 1);
    CHECK(listed->at(1).id == 8);
    const auto newest = store::find_backup(backups.path(), std::nullopt);
    REQUIRE(newest.has_value());
    CHECK(newest->id == 8);
    CHECK(newest->sequence == 45);
}
