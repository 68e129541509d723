#pragma once

// A closed store's RocksDB opened directly, with its column families (store/database.hpp),
// for the tests that change what is stored behind the store's back. Header only.

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <string>

#include "store/database.hpp"

namespace deals::testing {

/// The RocksDB of the closed store in `dir`, for reading and writing: the log's records are in
/// `db.log()`, every other key in the default column family.
inline store::Database open_raw_database(const std::string& dir) {
    store::Database db;
    const auto status =
        store::Database::open(dir, rocksdb::Options{}, store::Database::Access::kWrite, db);
    INFO(status.ToString());
    REQUIRE(status.ok());
    return db;
}

}  // namespace deals::testing
