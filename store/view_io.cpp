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

/// Loads every stored view of one kind into `views`. Decoding (JSON) is the costly part: this
/// thread reads chunks of stored views and the other cores decode them, a few chunks ahead,
/// while the decoded ones are loaded in key order.
template <class View>
std::size_t load_views(rocksdb::DB& db, projections::Views& views) {
    constexpr std::size_t kChunk = 4096;
    const std::size_t ahead = 4 * std::max(1u, std::thread::hardware_concurrency());
    const std::string prefix = keys::view_prefix(view_kind(static_cast<const View*>(nullptr)));
    rocksdb::ReadOptions read;
    read.readahead_size = 4 * 1024 * 1024;
    read.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(read));
    const auto decode_chunk = [](std::vector<std::string> raw) {
        std::vector<View> out(raw.size());
        for (std::size_t i = 0; i < raw.size(); ++i) {
            decode_view_in_place(raw[i], out[i]);
        }
        return out;
    };
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
    std::vector<std::string> chunk;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        chunk.emplace_back(it->value().ToStringView());
        if (chunk.size() == kChunk) {
            pending.push_back(std::async(std::launch::async, decode_chunk, std::move(chunk)));
            chunk = {};
            if (pending.size() > ahead) {
                load_front();
            }
        }
    }
    if (!chunk.empty()) {
        pending.push_back(std::async(std::launch::async, decode_chunk, std::move(chunk)));
    }
    while (!pending.empty()) {
        load_front();
    }
    if (!it->status().ok()) {
        throw std::runtime_error("cannot read the views: " + it->status().ToString());
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
