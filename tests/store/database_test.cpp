#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "store/keys.hpp"
#include "store/log_reader.hpp"
#include "store/store.hpp"
#include "tests/support/raw_database.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/user_requests.hpp"

// The log's records have a column family of their own (store/database.hpp). A directory
// written before that kept them in the default one, beside the views: its first open moves
// them, and the tools read them wherever they are.

using namespace deals;
using deals::testing::create_user;
using deals::testing::TempDir;

namespace {

constexpr std::int64_t kUsers = 40;

std::unique_ptr<store::Store> open_store(const std::string& dir) {
    std::int64_t t = 1'772'359'200'000'000;
    auto s = store::Store::open({.data_dir = dir, .seed_defaults = false, .clock = [t]() mutable {
                                     return events::Timestamp{t += 1000};
                                 }});
    INFO((s ? std::string{} : s.error().message));
    REQUIRE(s);
    return std::move(*s);
}

/// What a log holds: every record's bytes, in order.
std::vector<std::string> records_of(const std::string& dir) {
    auto reader = store::LogReader::open(dir);
    REQUIRE(reader);
    std::vector<std::string> out;
    (*reader)->scan(1, [&](events::Sequence sequence, std::string_view record) {
        CHECK(sequence == out.size() + 1);
        out.emplace_back(record);
        return true;
    });
    return out;
}

/// Record keys in a column family.
std::size_t records_in(store::Database& db, rocksdb::ColumnFamilyHandle* family) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions{}, family));
    std::size_t n = 0;
    for (it->Seek("e"); it->Valid() && it->key().starts_with("e"); it->Next()) {
        ++n;
    }
    return n;
}

/// Copies every record into the default column family, as a directory written before the
/// log had its own kept them; the log's family keeps the first `kept` of them, or is dropped
/// when `kept` is negative.
void records_back_in_default(const std::string& dir, int kept) {
    auto db = testing::open_raw_database(dir);
    rocksdb::WriteBatch wb;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions{}, db.log()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        REQUIRE(wb.Put(it->key(), it->value()).ok());
        if (kept >= 0 && store::keys::get_be64(it->key().ToStringView().substr(1)) >
                             static_cast<std::uint64_t>(kept)) {
            REQUIRE(wb.Delete(db.log(), it->key()).ok());
        }
    }
    it.reset();
    REQUIRE(db->Write(rocksdb::WriteOptions{}, &wb).ok());
    if (kept < 0) {
        REQUIRE(db->DropColumnFamily(db.log()).ok());
    }
}

/// A closed store of kUsers users; the records it wrote.
std::vector<std::string> users_stored(const std::string& dir) {
    {
        auto store = open_store(dir);
        for (std::int64_t id = 1; id <= kUsers; ++id) {
            REQUIRE(store->append_and_wait(create_user(id)).has_value());
        }
    }
    auto records = records_of(dir);
    REQUIRE(records.size() == kUsers);
    return records;
}

/// Opens the store in `dir`: it holds `before`, and appends after it; then every record is in
/// the log's column family and none in the default one.
void opens_with_records_moved(const std::string& dir, const std::vector<std::string>& before) {
    {
        auto store = open_store(dir);
        CHECK(store->log().head_sequence() == kUsers);
        CHECK(store->read(
            [](const projections::Views& v) { return v.user(events::UserId{kUsers}) != nullptr; }));
        REQUIRE(store->append_and_wait(create_user(kUsers + 1)).has_value());
        CHECK(store->log().head_sequence() == kUsers + 1);
    }
    auto after = records_of(dir);
    REQUIRE(after.size() == kUsers + 1);
    after.pop_back();
    CHECK(after == before);
    auto db = testing::open_raw_database(dir);
    CHECK(records_in(db, db->DefaultColumnFamily()) == 0);
    CHECK(records_in(db, db.log()) == kUsers + 1);
}

/// A reader open while the records moved: after its next catch-up it still reads them, or
/// refuses, asking to be opened again.
void still_reads_or_says_so(store::LogReader& reader, const std::vector<std::string>& before) {
    const auto caught = reader.catch_up();
    if (!caught) {
        CHECK_THAT(caught.error().message, Catch::Contains("open it again"));
        return;
    }
    CHECK(reader.head().sequence >= kUsers);
    const auto last = reader.record(kUsers);
    REQUIRE(last.has_value());
    CHECK(last->bytes == before.back());
}

}  // namespace

TEST_CASE("records kept in the default column family are moved to the log's at the next open",
          "[store][database]") {
    TempDir dir;
    const auto before = users_stored(dir.path());
    records_back_in_default(dir.path(), -1);
    {
        auto db = testing::open_raw_database(dir.path());  // moves them itself
        CHECK(records_in(db, db->DefaultColumnFamily()) == 0);
        CHECK(records_in(db, db.log()) == kUsers);
    }
    records_back_in_default(dir.path(), -1);
    // The tools read them where they are, before any move.
    CHECK(records_of(dir.path()) == before);
    // A reader opened before the move cannot see the new family: it never shows an empty log.
    auto reader = store::LogReader::open(dir.path());
    REQUIRE(reader);
    CHECK((*reader)->head().sequence == kUsers);
    opens_with_records_moved(dir.path(), before);
    still_reads_or_says_so(**reader, before);
}

TEST_CASE("a move of the records cut short is finished at the next open", "[store][database]") {
    TempDir dir;
    const auto before = users_stored(dir.path());
    // Copied up to sequence 17, the originals not deleted yet.
    records_back_in_default(dir.path(), 17);
    CHECK(records_of(dir.path()) == before);
    auto reader = store::LogReader::open(dir.path());
    REQUIRE(reader);
    opens_with_records_moved(dir.path(), before);
    still_reads_or_says_so(**reader, before);
}
