#include "store/cloud_event.hpp"

#include <optional>
#include <stdexcept>

#include "store/codec.hpp"
#include "store/json_scanner.hpp"
#include "store/log_reader.hpp"
#include "support/json.hpp"

namespace deals::store {

namespace {

const json::Value& member(const json::Value& object, const char* name) {
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd()) {
        throw std::runtime_error(std::string("stored event without ") + name);
    }
    return it->value;
}

std::string_view text(const json::Value& v) {
    if (!v.IsString()) {
        throw std::runtime_error("stored event with a malformed field");
    }
    return {v.GetString(), v.GetStringLength()};
}

void put_string(json::Writer& w, const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

/// Numbers are parsed as text (kExactNumbers), so they are written back exactly as stored.
void put_number(json::Writer& w, const char* key, const json::Value& value) {
    w.Key(key);
    const auto t = text(value);
    w.RawValue(t.data(), t.size(), rapidjson::kNumberType);
}

/// The stored body ends with `,"data":<data>}` (encode_body's fixed order). An unescaped quote
/// cannot occur inside a JSON string, and the fields before `data` hold no nested `data` key,
/// so the first `,"data":` is the envelope's own.
std::string_view data_slice(std::string_view body) {
    constexpr std::string_view kKey = ",\"data\":";
    const auto at = body.find(kKey);
    if (at == std::string_view::npos || body.back() != '}') {
        throw std::runtime_error("stored event without data");
    }
    const auto start = at + kKey.size();
    return body.substr(start, body.size() - 1 - start);
}

/// `key` of `object` as a raw number (kExactNumbers), or null when absent.
void put_optional_number(json::Writer& w, const char* key, const json::Value& object,
                         const char* name) {
    w.Key(key);
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd() || it->value.IsNull()) {
        w.Null();
        return;
    }
    const auto t = text(it->value);
    w.RawValue(t.data(), t.size(), rapidjson::kNumberType);
}

/// The attributes of a message that make up its record, as written (escaped as in the record).
struct Attributes {
    std::string_view id, sequence, stream, stream_version, type, schema_version, time;
    std::optional<std::string_view> user_id, token_id;
    std::string_view request_id, correlation_id, prev_hash, hash, data;
};

/// `key` then what `read` reads (a string or digits), stored in `out`.
bool value_at(JsonScanner& s, std::string_view key,
              std::optional<std::string_view> (JsonScanner::*read)(), std::string_view& out) {
    if (!s.take(key)) {
        return false;
    }
    const auto v = (s.*read)();
    out = v.value_or(std::string_view{});
    return v.has_value();
}

bool string_at(JsonScanner& s, std::string_view key, std::string_view& out) {
    return value_at(s, key, &JsonScanner::string, out);
}

bool digits_at(JsonScanner& s, std::string_view key, std::string_view& out) {
    return value_at(s, key, &JsonScanner::digits, out);
}

/// The attributes of a message written by `to_kafka_message`, or nothing.
std::optional<Attributes> scan_attributes(std::string_view value) {
    JsonScanner s(value);
    Attributes a;
    std::string_view ignored;
    const bool head =
        string_at(s, "{\"specversion\":", ignored) && string_at(s, ",\"id\":", a.id) &&
        string_at(s, ",\"source\":", ignored) && string_at(s, ",\"type\":", a.type) &&
        string_at(s, ",\"subject\":", ignored) && string_at(s, ",\"time\":", a.time) &&
        string_at(s, ",\"datacontenttype\":", ignored) &&
        digits_at(s, ",\"sequence\":", a.sequence) && string_at(s, ",\"stream\":", a.stream) &&
        digits_at(s, ",\"streamversion\":", a.stream_version) &&
        digits_at(s, ",\"schemaversion\":", a.schema_version);
    if (!head) {
        return std::nullopt;
    }
    std::string_view user_id, token_id;
    if (s.take(",\"actoruserid\":")) {  // absent when null
        if (!digits_at(s, "", user_id)) {
            return std::nullopt;
        }
        a.user_id = user_id;
    }
    if (s.take(",\"actortokenid\":")) {
        if (!digits_at(s, "", token_id)) {
            return std::nullopt;
        }
        a.token_id = token_id;
    }
    if (!string_at(s, ",\"requestid\":", a.request_id) ||
        !string_at(s, ",\"correlationid\":", a.correlation_id) ||
        !string_at(s, ",\"prevhash\":", a.prev_hash) || !string_at(s, ",\"hash\":", a.hash) ||
        !s.take(",\"data\":")) {
        return std::nullopt;
    }
    const auto data = s.rest_of_object();
    if (!data) {
        return std::nullopt;
    }
    a.data = *data;
    return a;
}

/// The record of `a`: the bytes RapidJSON's writer makes of them in encode_body's order (no
/// string has an escape, numbers are written as they came), then the hashes.
std::string record_of(const Attributes& a) {
    std::string out;
    out.reserve(a.data.size() + a.prev_hash.size() + a.hash.size() + a.id.size() +
                2 * a.stream.size() + a.request_id.size() + a.correlation_id.size() + 256);
    const auto str = [&out](std::string_view key, std::string_view v) {
        out.append(key).append("\"").append(v).append("\"");
    };
    str("{\"id\":", a.id);
    out.append(",\"sequence\":").append(a.sequence);
    str(",\"stream\":", a.stream);
    out.append(",\"stream_version\":").append(a.stream_version);
    str(",\"type\":", a.type);
    out.append(",\"schema_version\":").append(a.schema_version);
    str(",\"occurred_at\":", a.time);
    out.append(",\"actor\":{\"user_id\":").append(a.user_id.value_or("null"));
    out.append(",\"token_id\":").append(a.token_id.value_or("null")).append("}");
    str(",\"request_id\":", a.request_id);
    str(",\"correlation_id\":", a.correlation_id);
    out.append(",\"data\":").append(a.data).append("}");
    out.append("\n").append(a.prev_hash).append("\n").append(a.hash);
    return out;
}

/// The general path of `record_from_kafka_value`: the message parsed as JSON.
std::string record_from_json(std::string_view value) {
    json::Document doc;
    doc.Parse<json::kExactNumbers>(value.data(), value.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        throw std::runtime_error("the message is not a JSON object");
    }
    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();  // encode_body's order
    put_string(w, "id", text(member(doc, "id")));
    put_number(w, "sequence", member(doc, "sequence"));
    put_string(w, "stream", text(member(doc, "stream")));
    put_number(w, "stream_version", member(doc, "streamversion"));
    put_string(w, "type", text(member(doc, "type")));
    put_number(w, "schema_version", member(doc, "schemaversion"));
    put_string(w, "occurred_at", text(member(doc, "time")));
    w.Key("actor");
    w.StartObject();
    put_optional_number(w, "user_id", doc, "actoruserid");
    put_optional_number(w, "token_id", doc, "actortokenid");
    w.EndObject();
    put_string(w, "request_id", text(member(doc, "requestid")));
    put_string(w, "correlation_id", text(member(doc, "correlationid")));
    w.Key("data");
    const auto data = data_slice(value);
    w.RawValue(data.data(), data.size(), rapidjson::kObjectType);
    w.EndObject();
    return make_record({buffer.GetString(), buffer.GetSize()}, text(member(doc, "prevhash")),
                       text(member(doc, "hash")));
}

}  // namespace

std::string record_from_kafka_value(std::string_view value) {
    // Parsing every message into a DOM was most of a follower's own work (issue 23): a message
    // as this service writes it is read front to back instead, and only another form is parsed.
    // `data` is copied unparsed either way; the log decodes the record (and refuses it, naming
    // its sequence, when its JSON is broken).
    if (const auto attributes = scan_attributes(value)) {
        return record_of(*attributes);
    }
    return record_from_json(value);
}

Result<TopicEvent> topic_event(int partition, std::int64_t offset, std::string_view value) {
    const auto where = [&] {
        return "partition " + std::to_string(partition) + " offset " + std::to_string(offset);
    };
    TopicEvent e;
    std::optional<events::Sequence> seq;
    try {
        e.record = record_from_kafka_value(value);
        seq = body_sequence(split_record(e.record).body);
    } catch (const std::exception& error) {
        return unavailable(where() + " is not an event: " + error.what());
    }
    if (!seq) {
        return unavailable(where() + " has no sequence");
    }
    e.sequence = *seq;
    return e;
}

KafkaMessage to_kafka_message(std::string_view record) {
    const RecordParts parts = split_record(record);
    json::Document doc;
    doc.Parse<json::kExactNumbers>(parts.body.data(), parts.body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        throw std::runtime_error("stored event is not a JSON object");
    }
    KafkaMessage m;
    m.id = text(member(doc, "id"));
    m.type = text(member(doc, "type"));
    m.key = text(member(doc, "stream"));
    m.sequence = std::stoull(std::string(text(member(doc, "sequence"))));
    const auto time = text(member(doc, "occurred_at"));
    const auto parsed = events::Timestamp::parse(time);
    if (!parsed) {
        throw std::runtime_error("stored event with a malformed occurred_at");
    }
    m.occurred_at = *parsed;

    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    put_string(w, "specversion", "1.0");
    put_string(w, "id", m.id);
    put_string(w, "source", kCloudEventsSource);
    put_string(w, "type", m.type);
    put_string(w, "subject", m.key);
    put_string(w, "time", time);
    put_string(w, "datacontenttype", "application/json");
    put_number(w, "sequence", member(doc, "sequence"));
    put_string(w, "stream", m.key);
    put_number(w, "streamversion", member(doc, "stream_version"));
    put_number(w, "schemaversion", member(doc, "schema_version"));
    const auto& actor = member(doc, "actor");
    if (const auto& user = member(actor, "user_id"); !user.IsNull()) {
        put_number(w, "actoruserid", user);
    }
    if (const auto& token = member(actor, "token_id"); !token.IsNull()) {
        put_number(w, "actortokenid", token);
    }
    put_string(w, "requestid", text(member(doc, "request_id")));
    put_string(w, "correlationid", text(member(doc, "correlation_id")));
    put_string(w, "prevhash", parts.prev_hash);
    put_string(w, "hash", parts.hash);
    w.Key("data");
    const auto data = data_slice(parts.body);
    w.RawValue(data.data(), data.size(), rapidjson::kObjectType);
    w.EndObject();
    m.value.assign(buffer.GetString(), buffer.GetSize());
    return m;
}

}  // namespace deals::store
