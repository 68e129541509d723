#include "http/acknowledge.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <string>

#include "http/render.hpp"

namespace deals::http {

namespace {

/// The sequence the successful answer to a write carries, or 0. The header rather than the
/// call's `written`: the answer replayed for an Idempotency-Key's retry carries it too, so a
/// retry waits for the same events as the write it repeats.
events::Sequence written_by(const Response& response) {
    if (response.status < 200 || response.status >= 300) {
        return 0;
    }
    for (const auto& [name, value] : response.headers) {
        if (name == "Deals-Sequence") {
            return std::strtoull(value.c_str(), nullptr, 10);
        }
    }
    return 0;
}

Response not_replicated(events::Sequence sequence) {
    const std::string s = std::to_string(sequence);
    Response r = json_response(
        503, R"({"message":"The write is committed locally (sequence )" + s +
                 R"() but not yet replicated to Kafka; retry with the same Idempotency-Key to )"
                 R"(get its answer once it has replicated."})");
    r.headers.emplace_back("Retry-After", "1");
    r.headers.emplace_back("Deals-Sequence", s);
    return r;
}

}  // namespace

boost::asio::awaitable<bool> reached(const std::function<events::Sequence()>& position,
                                     events::Sequence sequence, std::chrono::milliseconds wait) {
    // Polling rather than a notification from whoever moves the position: it keeps the relay
    // and the replica unaware of waiters (their ports stay plain figures), at the cost of up
    // to one period of latency and a mutex taken every period by each waiting request.
    const auto deadline = std::chrono::steady_clock::now() + wait;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    while (position() < sequence) {
        if (std::chrono::steady_clock::now() >= deadline) {
            co_return false;
        }
        timer.expires_after(std::chrono::milliseconds(2));
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
    co_return true;
}

boost::asio::awaitable<void> await_replicated(const AppContext& app, Response& response) {
    const events::Sequence sequence = written_by(response);
    if (app.ack != Ack::kReplicated || app.relay == nullptr || sequence == 0) {
        co_return;
    }
    const events::RelayStatus& relay = *app.relay;
    const std::function<events::Sequence()> published = [&relay] { return relay.published(); };
    const bool replicated = co_await reached(published, sequence, app.ack_timeout);
    if (!replicated) {
        // Only this answer: what an Idempotency-Key keeps is still the write's own answer,
        // which a retry gets once the events are on Kafka.
        response = not_replicated(sequence);
    }
}

}  // namespace deals::http
