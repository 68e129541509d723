#include "http/error_table.hpp"

#include "support/json.hpp"

namespace deals::http {

namespace {

template <class Code>
struct Mapping {
    Code code;
    int status;
    const char* fixed_message;  ///< nullptr: the error's own message
};

constexpr Mapping<ErrorCode> kTable[] = {
    {ErrorCode::kBadRequest, 400, nullptr},
    {ErrorCode::kUnauthenticated, 401, "Unauthenticated."},
    {ErrorCode::kForbidden, 403, nullptr},  // "This action is unauthorized." or the refusal
    {ErrorCode::kNoApiAccess, 403, nullptr},
    {ErrorCode::kNotFound, 404, nullptr},
    {ErrorCode::kConflict, 409, nullptr},
    {ErrorCode::kPreconditionFailed, 412, nullptr},
    {ErrorCode::kValidation, 422, nullptr},
    {ErrorCode::kUnavailable, 503, "Service Unavailable"},
    {ErrorCode::kInternal, 500, "Server Error"},
};

constexpr Mapping<TransportError> kTransportTable[] = {
    {TransportError::kRouteNotFound, 404, nullptr},
    {TransportError::kMethodNotAllowed, 405, nullptr},
    {TransportError::kPayloadTooLarge, 413, "Request body too large."},
};

}  // namespace

std::string message_body(std::string_view message) {
    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("message");
    w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

Response error_response(const Error& error) {
    const Mapping<ErrorCode>* m = &kTable[std::size(kTable) - 1];
    for (const auto& entry : kTable) {
        if (entry.code == error.code) {
            m = &entry;
        }
    }
    const std::string message = m->fixed_message != nullptr ? m->fixed_message : error.message;
    Response r{m->status, {}, {}};
    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    if (error.code == ErrorCode::kNoApiAccess) {
        w.Key("error");
        w.String("Your account is not authorized to perform API requests.");
    } else {
        w.Key("message");
        w.String(message);
    }
    if (error.code == ErrorCode::kValidation) {
        w.Key("errors");
        w.StartObject();
        for (const auto& [field, messages] : error.fields) {
            w.Key(field.c_str(), static_cast<rapidjson::SizeType>(field.size()));
            w.StartArray();
            for (const auto& text : messages) {
                w.String(text);
            }
            w.EndArray();
        }
        w.EndObject();
    }
    w.EndObject();
    r.body.assign(buffer.GetString(), buffer.GetSize());
    if (error.code == ErrorCode::kUnavailable) {
        r.headers.emplace_back("Retry-After", "1");
    }
    return r;
}

Response error_response(TransportError error, std::string_view message) {
    for (const auto& entry : kTransportTable) {
        if (entry.code == error) {
            return {entry.status,
                    message_body(entry.fixed_message != nullptr ? entry.fixed_message : message),
                    {}};
        }
    }
    return error_response(internal("unknown transport error"));
}

}  // namespace deals::http
