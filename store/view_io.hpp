#pragma once

// Views on disk, private to store/ (it names RocksDB): their key kinds, the checkpoint record,
// and loading every stored view. One place for the server (store.cpp), the auditors' reader
// (log_reader.cpp) and the rebuild (rebuild.cpp).

#include <rocksdb/db.h>

#include <optional>
#include <string>
#include <string_view>

#include "projections/views.hpp"

namespace deals::store {

/// The key kind of each view (`v` + kind + id; store/README.md). Overloaded on pointer types so
/// that a view that is gone (null) still names its kind.
constexpr char view_kind(const projections::Deal*) { return 'd'; }
constexpr char view_kind(const projections::Pipeline*) { return 'p'; }
constexpr char view_kind(const projections::Stage*) { return 's'; }
constexpr char view_kind(const projections::User*) { return 'u'; }
constexpr char view_kind(const projections::Token*) { return 't'; }
constexpr char view_kind(const projections::Product*) { return 'c'; }
constexpr char view_kind(const projections::CustomField*) { return 'f'; }

/// What `mcheckpoint` holds: the sequence the stored views reflect, and the id watermarks.
struct Checkpoint {
    events::Sequence sequence = 0;
    projections::IdWatermarks watermarks;
};
std::string encode_checkpoint(const projections::Views& views);
/// Throws std::runtime_error on a corrupt record.
Checkpoint decode_checkpoint(std::string_view json);

/// Loads every stored view into `views`, decoding on every core (chunks decoded a few ahead,
/// loaded in key order). Returns how many; throws std::runtime_error on a read error.
std::size_t load_all_views(rocksdb::DB& db, projections::Views& views);

}  // namespace deals::store
