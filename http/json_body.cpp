#include "http/json_body.hpp"

#include <rapidjson/reader.h>

#include <optional>
#include <unordered_set>

#include "support/json.hpp"

namespace deals::http {

namespace {

constexpr int kMaxDepth = 64;

/// Builds a JsonValue tree from RapidJSON's SAX events, keeping numbers as text.
class TreeBuilder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TreeBuilder> {
public:
    bool Null() { return add(JsonValue{}); }
    bool Bool(bool b) { return add(JsonValue{JsonValue::Kind::kBool, b ? "true" : "false"}); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
        return add(JsonValue{JsonValue::Kind::kNumber, std::string(s, n)});
    }
    bool String(const char* s, rapidjson::SizeType n, bool) {
        if (has_surrogate(s, n)) {
            return false;
        }
        return add(JsonValue{JsonValue::Kind::kString, std::string(s, n)});
    }
    bool StartObject() { return open(JsonValue::Kind::kObject); }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        if (has_surrogate(s, n)) {
            return false;
        }
        pending_key_.assign(s, n);
        // A linear scan for the few keys of a usual object; a set once there are many, so that
        // an object of 100,000 keys costs no more than its parse.
        Level& level = stack_.back();
        bool repeated = false;
        if (level.value.members.size() < kScanKeys) {
            for (const auto& member : level.value.members) {
                repeated = repeated || member.first == pending_key_;
            }
        } else {
            if (level.seen.empty()) {
                for (const auto& member : level.value.members) {
                    level.seen.insert(member.first);
                }
            }
            repeated = !level.seen.insert(pending_key_).second;
        }
        if (repeated) {
            duplicate_key = pending_key_;
            return false;
        }
        return true;
    }
    bool EndObject(rapidjson::SizeType) { return close(); }
    bool StartArray() { return open(JsonValue::Kind::kArray); }
    bool EndArray(rapidjson::SizeType) { return close(); }

    JsonValue root;
    bool too_deep = false;
    bool bad_text = false;
    std::optional<std::string> duplicate_key;

private:
    /// RapidJSON validates the bytes of the body, but a `\\udc00` escape with no high surrogate
    /// before it decodes to ED B0 80: a surrogate code point, which is not UTF-8.
    bool has_surrogate(const char* s, rapidjson::SizeType n) {
        for (rapidjson::SizeType i = 0; i + 1 < n; ++i) {
            if (static_cast<unsigned char>(s[i]) == 0xED &&
                static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
                bad_text = true;
                return true;
            }
        }
        return false;
    }

    bool open(JsonValue::Kind kind) {
        if (stack_.size() >= kMaxDepth) {
            too_deep = true;
            return false;
        }
        JsonValue v;
        v.kind = kind;
        stack_.push_back({std::move(v), std::move(pending_key_), {}});
        return true;
    }
    bool close() {
        JsonValue value = std::move(stack_.back().value);
        std::string key = std::move(stack_.back().key);
        stack_.pop_back();
        pending_key_ = std::move(key);
        return add(std::move(value));
    }
    bool add(JsonValue v) {
        if (stack_.empty()) {
            root = std::move(v);
            return true;
        }
        JsonValue& parent = stack_.back().value;
        if (parent.kind == JsonValue::Kind::kArray) {
            parent.items.push_back(std::move(v));
        } else {
            parent.members.emplace_back(std::move(pending_key_), std::move(v));
        }
        return true;
    }

    struct Level {
        JsonValue value;
        std::string key;                  ///< of this object or array in its parent
        std::unordered_set<std::string> seen;  ///< keys, once there are kScanKeys of them
    };
    static constexpr std::size_t kScanKeys = 16;
    std::vector<Level> stack_;
    std::string pending_key_;
};

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const {
    for (const auto& [k, v] : members) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

commands::Result<JsonValue> parse_json_object(std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        JsonValue empty;
        empty.kind = JsonValue::Kind::kObject;
        return empty;
    }
    TreeBuilder builder;
    rapidjson::Reader reader;
    rapidjson::MemoryStream stream(body.data(), body.size());
    constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                                rapidjson::kParseValidateEncodingFlag |
                                rapidjson::kParseStopWhenDoneFlag;
    const auto result = reader.Parse<kFlags>(stream, builder);
    if (builder.too_deep) {
        return commands::bad_request("Malformed JSON: nesting is too deep.");
    }
    if (builder.bad_text) {
        return commands::bad_request("Malformed JSON: a string escapes a lone UTF-16 surrogate.");
    }
    if (builder.duplicate_key) {
        return commands::bad_request("Malformed JSON: the key \"" + *builder.duplicate_key +
                                     "\" appears twice in one object.");
    }
    if (result.IsError()) {
        return commands::bad_request(std::string("Malformed JSON: ") +
                                     rapidjson::GetParseError_En(result.Code()));
    }
    // Anything but white space after the value is an error.
    for (std::size_t i = stream.Tell(); i < body.size(); ++i) {
        if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n') {
            return commands::bad_request(
                "Malformed JSON: The document root must not be followed by other values.");
        }
    }
    if (builder.root.kind != JsonValue::Kind::kObject) {
        return commands::bad_request("Malformed JSON: the body must be a JSON object.");
    }
    return std::move(builder.root);
}

commands::FieldValue field(const JsonValue& object, std::string_view key) {
    const JsonValue* v = object.find(key);
    return v == nullptr ? commands::FieldValue::absent() : value_of(*v);
}

commands::FieldValue value_of(const JsonValue& value) {
    using commands::FieldValue;
    const JsonValue* v = &value;
    switch (v->kind) {
        case JsonValue::Kind::kNull:
            return FieldValue::null();
        case JsonValue::Kind::kBool:
            return FieldValue::boolean(v->text == "true");
        case JsonValue::Kind::kNumber:
            return FieldValue::number(v->text);
        case JsonValue::Kind::kString:
            return FieldValue::string(v->text);
        case JsonValue::Kind::kArray:
            return FieldValue{FieldValue::Kind::kArray, {}};
        case JsonValue::Kind::kObject:
            return FieldValue{FieldValue::Kind::kObject, {}};
    }
    return FieldValue::absent();
}

}  // namespace deals::http
