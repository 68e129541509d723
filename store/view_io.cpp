#include "store/view_io.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/codec.hpp"
#include "support/json.hpp"
#include "store/keys.hpp"

namespace deals::store {

namespace {

/// The stored views of one kind whose keys are in [from, to), decoded, in key order; room
/// for `expected` of them is made at once (a deal moved at each growth of the vector).
template <class View>
std::vector<View> read_views(rocksdb::DB& db, const std::string& from, const std::string& to,
                             std::size_t expected) {
    rocksdb::ReadOptions read;
    read.readahead_size = 1024 * 1024;
    read.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(read));
    std::vector<View> out;
    out.reserve(expected);
    for (it->Seek(from); it->Valid() && it->key().compare(to) < 0; it->Next()) {
        decode_view(it->value().ToStringView(), out.emplace_back());  // no copy of the text
    }
    if (!it->status().ok()) {
        throw std::runtime_error("cannot read the views: " + it->status().ToString());
    }
    return out;
}

/// The id in the last key of the views of `kind` (0 when there is none).
std::int64_t last_id(rocksdb::DB& db, char kind) {
    const std::string prefix = keys::view_prefix(kind);
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions{}));
    it->SeekForPrev(keys::view_prefix(static_cast<char>(kind + 1)));
    if (!it->Valid() || !it->key().starts_with(prefix) || it->key().size() != prefix.size() + 8) {
        return 0;
    }
    return static_cast<std::int64_t>(keys::get_be64(it->key().ToStringView().substr(2)));
}

/// Loads every stored view of one kind into `views`, in key order. Reading (RocksDB, Snappy)
/// and decoding (JSON) are the costly parts: the keys are cut into ranges of ids, which the
/// other cores read and decode, a few ranges ahead, while this thread loads the decoded ones.
template <class View>
std::size_t load_views(rocksdb::DB& db, projections::Views& views) {
    constexpr std::int64_t kIds = 4096;           // ids a range, about as many views
    constexpr std::int64_t kMaxRanges = 1 << 16;  // past it, the last range holds the rest
    const std::size_t ahead = 4 * std::max(1u, std::thread::hardware_concurrency());
    const char kind = view_kind(static_cast<const View*>(nullptr));
    // Every key with the prefix is in exactly one range: the first starts at the prefix, the
    // last ends past it.
    std::vector<std::string> bounds{keys::view_prefix(kind)};
    const std::int64_t ranges =
        std::clamp<std::int64_t>(last_id(db, kind) / kIds + 1, 1, kMaxRanges);
    for (std::int64_t r = 1; r <= ranges; ++r) {
        bounds.push_back(keys::view(kind, r * kIds));
    }
    bounds.push_back(keys::view_prefix(static_cast<char>(kind + 1)));
    std::deque<std::future<std::vector<View>>> pending;
    std::size_t n = 0;
    const auto load_front = [&] {
        auto decoded = pending.front().get();
        pending.pop_front();
        for (auto& v : decoded) {
            views.load(std::move(v));
        }
        n += decoded.size();
    };
    for (std::size_t r = 0; r + 1 < bounds.size(); ++r) {
        const bool last = r + 2 == bounds.size();
        pending.push_back(std::async(std::launch::async, read_views<View>, std::ref(db), bounds[r],
                                     bounds[r + 1], last ? 0 : std::size_t{kIds}));
        if (pending.size() > ahead) {
            load_front();
        }
    }
    while (!pending.empty()) {
        load_front();
    }
    return n;
}

}  // namespace

std::string encode_checkpoint(const projections::Views& views) {
    return "{\"sequence\":" + std::to_string(views.applied_sequence()) +
           ",\"watermarks\":" + encode_view(views.watermarks()) + "}";
}

Checkpoint decode_checkpoint(std::string_view json_text) {
    json::Document doc;
    doc.Parse(json_text.data(), json_text.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("sequence") ||
        !doc["sequence"].IsUint64() || !doc.HasMember("watermarks")) {
        throw std::runtime_error("corrupt checkpoint");
    }
    Checkpoint out;
    out.sequence = doc["sequence"].GetUint64();
    json::Buffer buf;
    json::Writer w(buf);
    doc["watermarks"].Accept(w);
    decode_view(std::string_view(buf.GetString(), buf.GetSize()), out.watermarks);
    return out;
}

std::size_t load_all_views(rocksdb::DB& db, projections::Views& views) {
    return load_views<projections::Deal>(db, views) + load_views<projections::Pipeline>(db, views) +
           load_views<projections::Stage>(db, views) + load_views<projections::User>(db, views) +
           load_views<projections::Token>(db, views) + load_views<projections::Product>(db, views) +
           load_views<projections::CustomField>(db, views);
}

}  // namespace deals::store
