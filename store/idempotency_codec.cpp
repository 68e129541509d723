#include "store/idempotency_codec.hpp"

#include "support/json.hpp"

namespace deals::store {

namespace {

void write_string(json::Writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_kept(json::Writer& w, const events::IdempotencyRecord::Kept& kept) {
    w.Key("status");
    w.Int(kept.status);
    w.Key("headers");
    w.StartArray();
    for (const auto& [name, value] : kept.headers) {
        w.StartArray();
        write_string(w, name);
        write_string(w, value);
        w.EndArray();
    }
    w.EndArray();
    w.Key("body");
    write_string(w, kept.body);
}

Result<events::IdempotencyRecord::Kept> read_kept(const json::Value& doc) {
    events::IdempotencyRecord::Kept kept;
    if (!doc["status"].IsInt() || !doc.HasMember("body") || !doc["body"].IsString() ||
        !doc.HasMember("headers") || !doc["headers"].IsArray()) {
        return internal("corrupt idempotency record: a kept response without its parts");
    }
    kept.status = doc["status"].GetInt();
    kept.body.assign(doc["body"].GetString(), doc["body"].GetStringLength());
    for (const auto& h : doc["headers"].GetArray()) {
        if (!h.IsArray() || h.Size() != 2 || !h[0].IsString() || !h[1].IsString()) {
            return internal("corrupt idempotency record: a header is not [name, value]");
        }
        kept.headers.emplace_back(h[0].GetString(), h[1].GetString());
    }
    return kept;
}

Result<events::IdempotencyRecord::Written> read_written(const json::Value& doc) {
    if (!doc.HasMember("stream") || !doc["stream"].IsString() || !doc.HasMember("version") ||
        !doc["version"].IsUint64() || !doc.HasMember("sequence") || !doc["sequence"].IsUint64()) {
        return internal("corrupt idempotency record: a marker without its stream and sequence");
    }
    return events::IdempotencyRecord::Written{doc["stream"].GetString(), doc["version"].GetUint64(),
                                              doc["sequence"].GetUint64()};
}

}  // namespace

std::string encode_idempotency(const events::IdempotencyRecord& record) {
    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("fingerprint");
    write_string(w, record.fingerprint);
    if (record.kept) {
        write_kept(w, *record.kept);
    } else if (record.written) {
        w.Key("stream");
        write_string(w, record.written->stream);
        w.Key("version");
        w.Uint64(record.written->version);
        w.Key("sequence");
        w.Uint64(record.written->sequence);
    }
    w.Key("at");
    w.Int64(record.at);
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

Result<events::IdempotencyRecord> decode_idempotency(std::string_view text) {
    json::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("fingerprint") ||
        !doc["fingerprint"].IsString() || !doc.HasMember("at") || !doc["at"].IsInt64()) {
        return internal("corrupt idempotency record");
    }
    events::IdempotencyRecord record;
    record.fingerprint = doc["fingerprint"].GetString();
    record.at = doc["at"].GetInt64();
    if (doc.HasMember("status")) {
        auto kept = read_kept(doc);
        if (!kept) {
            return kept.error();
        }
        record.kept = std::move(*kept);
    } else {
        auto written = read_written(doc);
        if (!written) {
            return written.error();
        }
        record.written = std::move(*written);
    }
    return record;
}

}  // namespace deals::store
