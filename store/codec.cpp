#include "store/codec.hpp"

#include <cstring>

#include "store/json_scanner.hpp"
#include "store/reflect_json.hpp"
#include "store/reflect_scan.hpp"

namespace deals::store {

namespace {

using reflect::DecodeError;

template <class T>
std::string to_json(const T& value) {
    json::Buffer buffer;
    json::Writer writer(buffer);
    reflect::write(writer, value);
    return {buffer.GetString(), buffer.GetSize()};
}

json::Document parse(std::string_view text) {
    json::Document doc;
    doc.Parse<json::kExactNumbers>(text.data(), text.size());
    if (doc.HasParseError()) {
        throw DecodeError(std::string("invalid JSON: ") +
                          rapidjson::GetParseError_En(doc.GetParseError()));
    }
    return doc;
}

template <class T>
void from_json(std::string_view text, T& out) {
    const json::Document doc = parse(text);
    reflect::read(doc, out);
}

/// A view: read front to back when the text is in the writer's exact form
/// (store/reflect_scan.hpp), which start-up's million views are; else through the DOM.
template <class T>
void view_from_json(std::string_view text, T& out) {
    JsonScanner scanner(text);
    if (reflect::scan(scanner, out) && scanner.at_end()) {
        return;
    }
    out = T{};  // what the scan left half-read
    from_json(text, out);
}

/// Decodes `data` as the alternative of `Event` whose wire name is `type`.
template <std::size_t I = 0>
events::Event decode_data(std::string_view type, int schema_version, const json::Value& data) {
    if constexpr (I == std::variant_size_v<events::Event>) {
        throw DecodeError("unknown event type " + std::string(type));
    } else {
        using T = std::variant_alternative_t<I, events::Event>;
        if (T::kType == type) {
            // Only version 1 exists; a later shape adds an upcaster here.
            if (schema_version != T::kSchemaVersion) {
                throw DecodeError("unsupported schema version of " + std::string(type));
            }
            T event{};
            reflect::read(data, event);
            return event;
        }
        return decode_data<I + 1>(type, schema_version, data);
    }
}

const json::Value& member(const json::Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd()) {
        throw DecodeError(std::string("missing envelope field ") + name);
    }
    return it->value;
}

template <class T>
T read_as(const json::Value& v) {
    T out{};
    reflect::read(v, out);
    return out;
}

/// The fast path of `decode_record_for_fold`: false when the body is not in `encode_body`'s
/// exact form (then nothing was changed). Parses only `data`, in place.
bool decode_for_fold_fast(char* body, std::size_t size, events::RecordedEvent& e) {
    if (size < 2 || body[size - 1] != '}') {
        return false;
    }
    // The envelope's members before `data`, as `encode_body` writes them (that order, no
    // whitespace), read without a parser: most of a record's bytes are ids and hashes that a
    // fold does not use. Any other form answers false, and the caller parses the record whole.
    JsonScanner c(std::string_view(body, size - 1));
    std::uint64_t sequence = 0;
    std::uint64_t stream_version = 0;
    std::uint64_t schema_version = 0;
    std::optional<std::string_view> type;
    std::optional<std::string_view> occurred_at;
    const bool envelope =
        c.take("{\"id\":") && c.skip_string() && c.take(",\"sequence\":") && c.number(sequence) &&
        c.take(",\"stream\":") && c.skip_string() && c.take(",\"stream_version\":") &&
        c.number(stream_version) && c.take(",\"type\":") && (type = c.string()) &&
        c.take(",\"schema_version\":") && c.number(schema_version) && c.take(",\"occurred_at\":") &&
        (occurred_at = c.string()) && c.take(",\"actor\":{\"user_id\":") && c.skip_id() &&
        c.take(",\"token_id\":") && c.skip_id() && c.take("},\"request_id\":") && c.skip_string() &&
        c.take(",\"correlation_id\":") && c.skip_string() && c.take(",\"data\":{");
    if (!envelope) {
        return false;
    }
    const auto time = events::Timestamp::parse(*occurred_at);
    if (!time || schema_version > 1000) {
        return false;
    }
    e.sequence = sequence;
    e.stream_version = stream_version;
    e.occurred_at = *time;
    // `data` runs from its brace to the envelope's closing one, which becomes its end (the
    // type's bytes, before it, stay as they are).
    body[size - 1] = '\0';
    thread_local json::Document doc;
    doc.SetNull();
    doc.GetAllocator().Clear();
    doc.ParseInsitu<json::kExactNumbers>(body + c.position() - 1);
    if (doc.HasParseError()) {
        throw DecodeError("invalid event data JSON");
    }
    e.data = decode_data(*type, static_cast<int>(schema_version), doc);
    return true;
}

}  // namespace

std::string encode_data(const events::Event& event) {
    return std::visit([](const auto& e) { return to_json(e); }, event);
}

std::string encode_body(const events::RecordedEvent& e, std::string_view data_json) {
    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("id");
    w.String(e.id);
    w.Key("sequence");
    w.Uint64(e.sequence);
    w.Key("stream");
    w.String(e.stream);
    w.Key("stream_version");
    w.Uint64(e.stream_version);
    w.Key("type");
    const auto type = events::type_name(e.data);
    w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
    w.Key("schema_version");
    w.Int(events::schema_version(e.data));
    w.Key("occurred_at");
    w.String(e.occurred_at.str());
    w.Key("actor");
    w.StartObject();
    w.Key("user_id");
    reflect::write(w, e.meta.actor.user_id);
    w.Key("token_id");
    reflect::write(w, e.meta.actor.token_id);
    w.EndObject();
    w.Key("request_id");
    w.String(e.meta.request_id);
    w.Key("correlation_id");
    w.String(e.meta.correlation_id);
    w.Key("data");
    w.RawValue(data_json.data(), data_json.size(), rapidjson::kObjectType);
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::string make_record(std::string_view body, std::string_view prev_hash, std::string_view hash) {
    std::string out;
    out.reserve(body.size() + prev_hash.size() + hash.size() + 2);
    out.append(body).append("\n").append(prev_hash).append("\n").append(hash);
    return out;
}

RecordParts split_record(std::string_view record) {
    const auto last = record.rfind('\n');
    if (last == std::string_view::npos || last == 0) {
        throw DecodeError("record without hashes");
    }
    const auto middle = record.rfind('\n', last - 1);
    if (middle == std::string_view::npos) {
        throw DecodeError("record without hashes");
    }
    return {record.substr(0, middle), record.substr(middle + 1, last - middle - 1),
            record.substr(last + 1)};
}

events::RecordedEvent decode_record(std::string_view record) {
    const RecordParts parts = split_record(record);
    const json::Document doc = parse(parts.body);
    if (!doc.IsObject()) {
        throw DecodeError("envelope is not an object");
    }
    events::RecordedEvent e;
    e.id = read_as<std::string>(member(doc, "id"));
    e.sequence = static_cast<events::Sequence>(read_as<std::int64_t>(member(doc, "sequence")));
    e.stream = read_as<std::string>(member(doc, "stream"));
    e.stream_version =
        static_cast<events::StreamVersion>(read_as<std::int64_t>(member(doc, "stream_version")));
    const auto type = read_as<std::string>(member(doc, "type"));
    const auto version = read_as<std::int64_t>(member(doc, "schema_version"));
    e.occurred_at = read_as<events::Timestamp>(member(doc, "occurred_at"));
    const auto& actor = member(doc, "actor");
    e.meta.actor.user_id = read_as<std::optional<events::UserId>>(member(actor, "user_id"));
    e.meta.actor.token_id = read_as<std::optional<events::TokenId>>(member(actor, "token_id"));
    e.meta.request_id = read_as<std::string>(member(doc, "request_id"));
    e.meta.correlation_id = read_as<std::string>(member(doc, "correlation_id"));
    e.data = decode_data(type, static_cast<int>(version), member(doc, "data"));
    e.prev_hash = std::string(parts.prev_hash);
    e.hash = std::string(parts.hash);
    return e;
}

namespace {

/// What folding needs of a body parsed in place (`body` ends with a NUL), and the stream when
/// `with_stream`. One document per thread, its pool emptied before each parse.
events::RecordedEvent decode_body_in_place(char* body, bool with_stream) {
    thread_local json::Document doc;
    doc.SetNull();
    doc.GetAllocator().Clear();
    doc.ParseInsitu<json::kExactNumbers>(body);
    if (doc.HasParseError() || !doc.IsObject()) {
        throw DecodeError("invalid envelope JSON");
    }
    events::RecordedEvent e;
    e.sequence = static_cast<events::Sequence>(read_as<std::int64_t>(member(doc, "sequence")));
    if (with_stream) {
        e.stream = read_as<std::string>(member(doc, "stream"));
    }
    e.stream_version =
        static_cast<events::StreamVersion>(read_as<std::int64_t>(member(doc, "stream_version")));
    const auto& type = member(doc, "type");
    if (!type.IsString()) {
        throw DecodeError("event type is not a string");
    }
    const auto version = read_as<std::int64_t>(member(doc, "schema_version"));
    e.occurred_at = read_as<events::Timestamp>(member(doc, "occurred_at"));
    e.data = decode_data(std::string_view(type.GetString(), type.GetStringLength()),
                         static_cast<int>(version), member(doc, "data"));
    return e;
}

}  // namespace

events::RecordedEvent decode_record_for_fold(char* record, std::size_t size) {
    // The body ends at the first newline (JSON text holds none raw): parsed in place, strings
    // are not copied.
    // Both hashes are 64 hex digits, so the body's end is known without a search.
    constexpr std::size_t kHashes = 2 * (1 + 64);
    char* end = size > kHashes && record[size - kHashes] == '\n' && record[size - 65] == '\n'
                    ? record + (size - kHashes)
                    : static_cast<char*>(std::memchr(record, '\n', size));
    if (end == nullptr) {
        throw DecodeError("record without hashes");
    }
    events::RecordedEvent fast;
    if (decode_for_fold_fast(record, static_cast<std::size_t>(end - record), fast)) {
        return fast;
    }
    *end = '\0';
    return decode_body_in_place(record, false);
}

events::RecordedEvent decode_record_for_copy(std::string_view record, std::string& scratch) {
    const RecordParts parts = split_record(record);
    scratch.assign(parts.body);  // NUL-terminated by std::string
    return decode_body_in_place(scratch.data(), true);
}

std::string envelope_json(std::string_view record) {
    const RecordParts parts = split_record(record);
    std::string out(parts.body.substr(0, parts.body.size() - 1));
    out.append(",\"prev_hash\":\"").append(parts.prev_hash);
    out.append("\",\"hash\":\"").append(parts.hash).append("\"}");
    return out;
}

std::string encode_view(const projections::Deal& v) { return to_json(v); }
std::string encode_view(const projections::Pipeline& v) { return to_json(v); }
std::string encode_view(const projections::Stage& v) { return to_json(v); }
std::string encode_view(const projections::User& v) { return to_json(v); }
std::string encode_view(const projections::Token& v) { return to_json(v); }
std::string encode_view(const projections::Product& v) { return to_json(v); }
std::string encode_view(const projections::CustomField& v) { return to_json(v); }
std::string encode_view(const projections::IdWatermarks& v) { return to_json(v); }
void decode_view(std::string_view j, projections::Deal& out) { view_from_json(j, out); }
void decode_view(std::string_view j, projections::Pipeline& out) { view_from_json(j, out); }
void decode_view(std::string_view j, projections::Stage& out) { view_from_json(j, out); }
void decode_view(std::string_view j, projections::User& out) { view_from_json(j, out); }
void decode_view(std::string_view j, projections::Token& out) { view_from_json(j, out); }
void decode_view(std::string_view j, projections::Product& out) { view_from_json(j, out); }
void decode_view(std::string_view j, projections::CustomField& out) { view_from_json(j, out); }
void decode_view(std::string_view j, projections::IdWatermarks& out) { view_from_json(j, out); }

}  // namespace deals::store
