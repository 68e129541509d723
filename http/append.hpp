#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "events/event_log.hpp"

namespace deals::http {

/// Appends through the log's group-commit writer and resumes the calling coroutine on its own
/// executor once the batch is durable: socket threads never wait on fsync.
///
/// Not a coroutine itself, and callers pass a named request: GCC 12 mishandles temporaries
/// built inside a co_await expression (they can be copied bitwise and freed twice).
inline boost::asio::awaitable<events::AppendOutcome> append(events::EventLog& log,
                                                            events::AppendRequest request) {
    namespace asio = boost::asio;
    auto shared_request = std::make_shared<events::AppendRequest>(std::move(request));
    return asio::async_initiate<const asio::use_awaitable_t<>, void(events::AppendOutcome)>(
        [&log, shared_request](auto handler) {
            auto executor = asio::get_associated_executor(handler);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            auto work = asio::make_work_guard(executor);
            log.append(std::move(*shared_request), [shared,
                                                    work](events::AppendOutcome outcome) mutable {
                asio::post(work.get_executor(), [shared, outcome = std::move(outcome)]() mutable {
                    (*shared)(std::move(outcome));
                });
                work.reset();
            });
        },
        asio::use_awaitable);
}

}  // namespace deals::http
