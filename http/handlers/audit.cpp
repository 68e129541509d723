// Contract §13: a deal's event history, the deal as it was (`?as_of=`), and the chain's head.
//
// Who may read a deal's past: whoever may view the deal now (projections/policy.hpp), decided
// on the deal's view, live or trashed. A purged deal has no view; its history is decided on
// its last known state (the fold of its stream before `DealPurged`), so a super-admin or a
// `deals_scope: all` user may read it, and an `own` user only if they were its last owner.
// A deal the caller may not read answers the same 404 as an unknown one (ids do not leak).

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>

#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_write.hpp"
#include "http/render.hpp"
#include "projections/policy.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Views;

/// Events per `GET /api/deals/{id}/events` response: the default and the cap of `limit`.
constexpr std::size_t kEventsLimit = 1000;
/// The whole of a stream, for folds.
constexpr std::size_t kWholeStream = static_cast<std::size_t>(-1);

/// A deal stream that exists and that the caller may read.
struct DealStream {
    events::DealId id;
    std::string stream;
};

/// A non-negative decimal integer (digits only; more than 18 of them saturate), or nullopt.
std::optional<std::int64_t> parse_count(std::string_view text) {
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    if (text.size() > 18) {
        return std::numeric_limits<std::int64_t>::max();
    }
    std::int64_t n = 0;
    std::from_chars(text.data(), text.data() + text.size(), n);
    return n;
}

/// Whether `text` looks like an integer (an optional minus and digits), valid or not.
bool integer_like(std::string_view text) {
    if (!text.empty() && text.front() == '-') {
        text.remove_prefix(1);
    }
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Folds the deal events of `history` into a deal; stops before `DealPurged`.
projections::Deal fold(const std::vector<events::RecordedEvent>& history, bool& purged) {
    projections::Deal deal;
    purged = false;
    for (const auto& e : history) {
        if (std::holds_alternative<events::DealPurged>(e.data)) {
            purged = true;
            break;
        }
        projections::apply(deal, e.data, e.occurred_at, e.stream_version);
    }
    return deal;
}

/// The deal of the path when its stream exists and the caller may read its history (see the
/// top of this file), else the 404 of every deal route.
commands::Result<DealStream> readable_stream(AppContext& app, const Call& call) {
    const std::string& text = call.params.at(0);
    const auto id = parse_id(text);
    if (!id || !call.caller) {
        return commands::not_found("Deal", text);
    }
    DealStream out{events::DealId{*id}, events::deal_stream(events::DealId{*id})};
    const auto& log = app.log;
    if (log.stream_version(out.stream) == 0) {
        return commands::not_found("Deal", text);
    }
    const projections::User& user = call.caller->user;
    auto allowed = app.views.read([&](const Views& views) -> std::optional<bool> {
        if (const projections::Deal* deal = views.deal(out.id)) {
            return projections::can_view(user, *deal);
        }
        return std::nullopt;  // purged (or, for an instant, not applied yet): fold the stream
    });
    if (!allowed) {
        if (projections::sees_every_deal(user)) {
            allowed = true;
        } else {
            bool purged = false;
            const auto last = fold(log.read_stream(out.stream, 1, kWholeStream), purged);
            allowed = projections::can_view(user, last);
        }
    }
    if (!*allowed) {
        return commands::not_found("Deal", text);
    }
    return out;
}

/// What `as_of` names: every event up to a sequence, or up to a time.
struct AsOf {
    std::optional<events::Sequence> sequence;
    events::Timestamp time;  ///< for a time: the last instant included
};

commands::Error as_of_error(std::string message) {
    return commands::validation({{"as_of", {std::move(message)}}});
}

/// `as_of`: a sequence number (digits), an ISO-8601 timestamp (`2026-03-01T10:00:00.000000Z`,
/// `2026-03-01T10:00:00Z`, an offset `+01:00`, no zone = UTC) or a date (`2026-03-03`: the end
/// of that day, UTC, i.e. up to 23:59:59.999999).
commands::Result<AsOf> parse_as_of(std::string text, events::Sequence head) {
    if (integer_like(text)) {
        const auto n = parse_count(text);
        if (!n || *n < 1) {
            return as_of_error("The as of field must be at least 1.");
        }
        if (static_cast<events::Sequence>(*n) > head) {
            return as_of_error("The as of field must not be greater than " +
                               std::to_string(head) + ".");
        }
        return AsOf{static_cast<events::Sequence>(*n), {}};
    }
    // A `+hh:mm` offset arrives as a space when the client did not percent-encode the '+'.
    if (const auto t = text.find('T'); t != std::string::npos) {
        if (const auto space = text.find(' ', t); space != std::string::npos) {
            text[space] = '+';
        }
    }
    const auto until = events::Timestamp::parse_until(text);
    if (!until) {
        return as_of_error(
            "The as of field must be a sequence number, a date (YYYY-MM-DD) or an ISO-8601 "
            "timestamp.");
    }
    return AsOf{std::nullopt, *until};
}

/// The 422 for a bad `from_version` / `limit`, or the values.
commands::Result<std::pair<events::StreamVersion, std::size_t>> history_window(
    const Request& request) {
    commands::FieldErrorsBuilder errors;
    events::StreamVersion from = 1;
    std::size_t limit = kEventsLimit;
    if (const auto v = request.param("from_version")) {
        const auto n = parse_count(*v);
        if (!integer_like(*v)) {
            errors.add("from_version", "The from version field must be an integer.");
        } else if (!n || *n < 1) {
            errors.add("from_version", "The from version field must be at least 1.");
        } else {
            from = static_cast<events::StreamVersion>(*n);
        }
    }
    if (const auto v = request.param("limit")) {
        const auto n = parse_count(*v);
        if (!integer_like(*v)) {
            errors.add("limit", "The limit field must be an integer.");
        } else if (!n || *n < 1) {
            errors.add("limit", "The limit field must be at least 1.");
        } else {
            limit = std::min(static_cast<std::size_t>(*n), kEventsLimit);
        }
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return std::pair{from, limit};
}

}  // namespace

awaitable<Response> deal_events(AppContext& app, const Call& call) {
    const auto stream = readable_stream(app, call);
    if (!stream) {
        co_return error_response(stream.error());
    }
    const auto window = history_window(call.request);
    if (!window) {
        co_return error_response(window.error());
    }
    const auto& log = app.log;
    const auto history = log.read_stream(stream->stream, window->first, window->second);
    std::string body = "{\"data\":[";
    for (std::size_t i = 0; i < history.size(); ++i) {
        if (i > 0) {
            body.push_back(',');
        }
        // The stored bytes, as hashed and as sent to Kafka: never re-encoded.
        body.append(log.envelope_json(history[i].sequence));
    }
    body.append("]}");
    co_return json_response(200, std::move(body));
}

awaitable<Response> show_deal_as_of(AppContext& app, const Call& call) {
    const auto as_of_text = call.request.param("as_of");
    if (!as_of_text) {
        auto response = co_await show_deal(app, call);
        co_return response;
    }
    const auto stream = readable_stream(app, call);
    if (!stream) {
        co_return error_response(stream.error());
    }
    const auto& log = app.log;
    const auto as_of = parse_as_of(*as_of_text, log.head_sequence());
    if (!as_of) {
        co_return error_response(as_of.error());
    }
    const auto with = with_of(call.request);
    if (!with) {
        co_return error_response(with.error());
    }
    // The events up to that point: both sequences and times grow along a stream.
    auto history = log.read_stream(stream->stream, 1, kWholeStream);
    const auto past = std::find_if(history.begin(), history.end(), [&](const auto& e) {
        return as_of->sequence ? e.sequence > *as_of->sequence : e.occurred_at > as_of->time;
    });
    history.erase(past, history.end());
    bool purged = false;
    const projections::Deal deal = fold(history, purged);
    if (purged || deal.version == 0) {  // purged by then, or not created yet
        co_return error_response(commands::not_found("Deal", call.params.at(0)));
    }
    // "Now" for time_in_stages and falls_behind_expected_close_date: the time of the event the
    // sequence names, or the time asked for (never later than the present).
    events::Timestamp now = std::min(as_of->time, app.clock());
    if (as_of->sequence) {
        const auto at = log.read_range(*as_of->sequence, *as_of->sequence, 1);
        if (!at.empty()) {
            now = at.front().occurred_at;
        }
    }
    co_return app.views.read([&](const Views& views) {
        return deal_response(200, deal, views, call.caller->user, now, DealShape::kSingle, *with);
    });
}

awaitable<Response> audit_head(AppContext& app, const Call& call) {
    if (!projections::sees_every_deal(call.caller->user)) {
        co_return error_response(commands::forbidden("This action is unauthorized."));
    }
    const auto& log = app.log;
    const events::Sequence head = log.head_sequence();
    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("sequence");
    w.Uint64(head);
    if (head == 0) {
        w.Key("hash");
        write_string(w, events::kGenesisHash);
        w.Key("at");
        w.Null();
    } else {
        // Sequence, hash and time all from the one stored record, so they always agree.
        const auto record = log.read_range(head, head, 1);
        w.Key("hash");
        write_string(w, record.empty() ? std::string{} : record.front().hash);
        w.Key("at");
        write_string(w, record.empty() ? std::string{} : record.front().occurred_at.str());
    }
    w.EndObject();
    co_return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace deals::http::handlers
