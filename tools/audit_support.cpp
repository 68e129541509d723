#include "tools/audit_support.hpp"

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <system_error>

#include "http/render.hpp"
#include "support/json.hpp"

namespace deals::tools::audit {

int fail(const std::string& message) {
    std::cerr << "error: " << message << std::endl;
    return 1;
}

int guarded(const std::function<int(Out&)>& command) {
    // A closed pipe is an error from write, remembered by `out`, not a signal, so that the
    // reader is closed and its temporary directory removed.
    std::signal(SIGPIPE, SIG_IGN);
    Out out;
    int status = 1;
    try {
        status = command(out);
    } catch (const std::exception& e) {
        status = fail(e.what());
    }
    if (out.closed()) {
        status = 128 + SIGPIPE;  // as if killed by SIGPIPE, without the leftovers
    }
    std::cout.flush();
    return status;
}

Out::~Out() { (void)write(); }

void Out::line(std::string_view text) {
    if (closed_) {
        return;
    }
    buffer_.append(text);
    buffer_.append("\n");
    if (buffer_.size() >= (1 << 20)) {
        flush();
    }
}

void Out::raw(std::string_view text) {
    if (closed_) {
        return;
    }
    buffer_.append(text);
    if (buffer_.size() >= (1 << 20)) {
        flush();
    }
}

bool Out::flush() {
    if (!write()) {
        closed_ = true;
    }
    return !closed_;
}

bool Out::write() {
    if (closed_) {
        buffer_.clear();
        return false;
    }
    const bool written = std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) == buffer_.size();
    buffer_.clear();
    return written && std::fflush(stdout) == 0;
}

std::optional<Point> parse_point(const std::string& text) {
    Point p;
    p.text = text;
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
        events::Sequence sequence = 0;
        const char* end = text.data() + text.size();
        const auto parsed = std::from_chars(text.data(), end, sequence);
        if (parsed.ec != std::errc{} || parsed.ptr != end) {
            return std::nullopt;  // too large
        }
        p.sequence = sequence;
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

Result<Folded> fold(const store::LogReader& reader, projections::Views& views,
                    events::Sequence from, events::Sequence to,
                    std::optional<events::Timestamp> until_time) {
    const auto gap = [](events::Sequence missing) {
        return unavailable("the log has a gap: sequence " + std::to_string(missing) +
                           " is missing");
    };
    Folded f{from - 1, std::nullopt, 0};
    for (events::Sequence next = from; next <= to;) {
        auto batch = reader.read_range(next, to, 4096);
        if (batch.empty() || batch.front().sequence != next) {
            return gap(next);
        }
        for (const auto& e : batch) {
            if (e.sequence != next) {
                return gap(next);
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
