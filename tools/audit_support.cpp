#include "tools/audit_support.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <stdexcept>

#include "http/render.hpp"
#include "support/json.hpp"

namespace deals::tools::audit {

int fail(const std::string& message) {
    std::cerr << "error: " << message << std::endl;
    return 1;
}

int guarded(const std::function<int()>& command) {
    // A closed pipe is an error from write (OutputClosed), not a signal, so that the reader
    // is closed and its temporary directory removed.
    std::signal(SIGPIPE, SIG_IGN);
    int status = 1;
    try {
        status = command();
    } catch (const OutputClosed&) {
        status = 128 + SIGPIPE;  // as if killed by SIGPIPE, without the leftovers
    } catch (const std::exception& e) {
        status = fail(e.what());
    }
    std::cout.flush();
    return status;
}

Out::~Out() {
    try {
        flush();
    } catch (const OutputClosed&) {  // NOLINT(bugprone-empty-catch): nobody reads anymore
    }
}

void Out::line(std::string_view text) {
    buffer_.append(text);
    buffer_.append("\n");
    if (buffer_.size() >= (1 << 20)) {
        flush();
    }
}

void Out::raw(std::string_view text) {
    buffer_.append(text);
    if (buffer_.size() >= (1 << 20)) {
        flush();
    }
}

void Out::flush() {
    const bool written = std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) == buffer_.size();
    buffer_.clear();
    if (!written || std::fflush(stdout) != 0) {
        throw OutputClosed{};
    }
}

std::optional<Point> parse_point(const std::string& text) {
    Point p;
    p.text = text;
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
        try {
            p.sequence = std::stoull(text);
        } catch (const std::exception&) {
            return std::nullopt;
        }
        return p;
    }
    p.time = events::Timestamp::parse_until(text);  // as `?as_of=` of the API reads it
    if (!p.time) {
        return std::nullopt;
    }
    return p;
}

std::string point_text(const Point& p) {
    return p.sequence ? "sequence " + std::to_string(*p.sequence) : p.time->str();
}

Folded fold(const store::LogReader& reader, projections::Views& views, events::Sequence from,
            events::Sequence to, std::optional<events::Timestamp> until_time) {
    Folded f{from - 1, std::nullopt, 0};
    for (events::Sequence next = from; next <= to;) {
        auto batch = reader.read_range(next, to, 4096);
        if (batch.empty() || batch.front().sequence != next) {
            throw std::runtime_error("the log has a gap: sequence " + std::to_string(next) +
                                     " is missing");
        }
        for (const auto& e : batch) {
            if (e.sequence != next) {
                throw std::runtime_error("the log has a gap: sequence " + std::to_string(next) +
                                         " is missing");
            }
            if (until_time && e.occurred_at > *until_time) {
                return f;
            }
            views.apply(e);
            f.last = e.sequence;
            f.last_time = e.occurred_at;
            ++f.applied;
            ++next;
        }
    }
    return f;
}

projections::User auditor() {
    projections::User u;
    u.id = events::UserId{0};
    u.name = "dealsctl";
    u.super_admin = true;
    u.deals_scope = events::DealsScope::kAll;
    return u;
}

std::string deal_json(const projections::Deal& deal, const projections::Views& views,
                      const projections::User& caller, events::Timestamp now) {
    json::Buffer buffer;
    json::Writer w(buffer);
    http::write_deal(w, deal, views, caller, now, http::DealShape::kSingle);
    return {buffer.GetString(), buffer.GetSize()};
}

std::vector<const projections::Deal*> deals_by_id(const projections::Views& views,
                                                  projections::Trash which) {
    auto deals = views.deals_by_name(which);
    std::sort(deals.begin(), deals.end(),
              [](const auto* a, const auto* b) { return a->id.value < b->id.value; });
    return deals;
}

}  // namespace deals::tools::audit
