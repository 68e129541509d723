#include "store/view_io.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "support/json.hpp"

namespace deals::store {

namespace {

/// The views of one range of keys, decoded: each kind's in key order. Deals are decoded in
/// place, into pages of the deal table (projections::DealTable), which the views then adopt:
/// moving a million decoded deals into the table, and freeing what they left, was a third of
/// the loading thread's time at start-up.
template <class View>
struct Decoded {
    std::vector<View> views;
};
template <>
struct Decoded<projections::Deal> {
    std::vector<std::pair<std::size_t, std::unique_ptr<projections::DealTable::Page>>> pages;
    std::vector<projections::Deal> others;  ///< ids without a page
};

/// Decodes a deal into its place in `out`'s pages, or beside them when its id has no page.
void decode_deal(std::string_view key, std::string_view value, Decoded<projections::Deal>& out) {
    using projections::DealTable;
    if (key.size() != 10) {  // not a key `keys::view` makes: its view alone says which deal
        decode_view(value, out.others.emplace_back());
        return;
    }
    const projections::DealId id{static_cast<std::int64_t>(keys::get_be64(key.substr(2)))};
    DealTable::Page* page = nullptr;
    const std::size_t slot = static_cast<std::size_t>(id.value) % DealTable::kPage;
    if (DealTable::paged(id)) {
        const std::size_t n = static_cast<std::size_t>(id.value) / DealTable::kPage;
        if (out.pages.empty() || out.pages.back().first != n) {  // keys come in id order
            out.pages.emplace_back(n, std::make_unique<DealTable::Page>());
        }
        page = out.pages.back().second.get();
    }
    projections::Deal& deal = page != nullptr ? page->deals[slot] : out.others.emplace_back();
    decode_view(value, deal);
    if (deal.id != id) {
        throw std::runtime_error("the view stored as deal " + std::to_string(id.value) +
                                 " is deal " + std::to_string(deal.id.value) +
                                 " (dealsctl rebuild makes every view again from the log)");
    }
    if (page != nullptr) {
        page->present[slot] = true;
    }
}

/// The stored views of one kind whose keys are in [from, to), decoded, in key order; room
/// for `expected` of them is made at once (a view moved at each growth of the vector), except
/// for deals, which go into pages.
template <class View>
Decoded<View> read_views(rocksdb::DB& db, const std::string& from, const std::string& to,
                         std::size_t expected) {
    rocksdb::ReadOptions read;
    // RocksDB's own readahead (8 KiB, doubling on sequential reads up to 256 KiB), not a fixed
    // 1 MiB: each range's iterator seeks in every level-0 file, and a rebuild leaves the views
    // in a dozen of them; with 1 MiB each, a start-up read 2,440 MiB for a million deals.
    read.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(read));
    Decoded<View> out;
    if constexpr (!std::is_same_v<View, projections::Deal>) {
        out.views.reserve(expected);
    }
    for (it->Seek(from); it->Valid() && it->key().compare(to) < 0; it->Next()) {
        if constexpr (std::is_same_v<View, projections::Deal>) {
            decode_deal(it->key().ToStringView(), it->value().ToStringView(), out);
        } else {
            decode_view(it->value().ToStringView(), out.views.emplace_back());  // text not copied
        }
    }
    if (!it->status().ok()) {
        throw std::runtime_error("cannot read the views: " + it->status().ToString());
    }
    return out;
}

/// Hands a range's views to `views`; returns how many.
template <class View>
std::size_t load_decoded(projections::Views& views, Decoded<View> decoded) {
    std::size_t n = 0;
    if constexpr (std::is_same_v<View, projections::Deal>) {
        for (auto& [page, deals] : decoded.pages) {
            n += deals->present.count();
            views.load(page, std::move(deals));
        }
        for (auto& deal : decoded.others) {
            views.load(std::move(deal));
            ++n;
        }
    } else {
        for (auto& v : decoded.views) {
            views.load(std::move(v));
            ++n;
        }
    }
    return n;
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
    std::deque<std::future<Decoded<View>>> pending;
    std::size_t n = 0;
    const auto load_front = [&] {
        auto decoded = pending.front().get();
        pending.pop_front();
        n += load_decoded(views, std::move(decoded));
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
