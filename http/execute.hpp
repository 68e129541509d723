#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "commands/executor.hpp"

namespace deals::http {

/// Runs a command through the one executor and resumes the calling coroutine on its own
/// executor once the command's batch is durable (or refused): socket threads never wait on
/// fsync, and a retry after a conflict is decided on the coroutine's executor too.
///
/// Not a coroutine itself, and callers pass named values: GCC 12 mishandles temporaries built
/// inside a co_await expression (they can be copied bitwise and freed twice).
inline boost::asio::awaitable<commands::Result<commands::Executed>> execute(
    const commands::Executor& executor, commands::Decide decide, events::EventMeta meta) {
    namespace asio = boost::asio;
    using Outcome = commands::Result<commands::Executed>;
    auto shared_decide = std::make_shared<commands::Decide>(std::move(decide));
    auto shared_meta = std::make_shared<events::EventMeta>(std::move(meta));
    return asio::async_initiate<const asio::use_awaitable_t<>, void(Outcome)>(
        [&executor, shared_decide, shared_meta](auto handler) {
            auto ex = asio::get_associated_executor(handler);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            auto work = std::make_shared<asio::executor_work_guard<decltype(ex)>>(ex);
            commands::Executor::Post post = [work](std::function<void()> f) {
                asio::post(work->get_executor(), std::move(f));
            };
            executor.execute(std::move(*shared_decide), std::move(*shared_meta), std::move(post),
                             [shared, work](Outcome outcome) mutable {
                                 asio::post(work->get_executor(),
                                            [shared, outcome = std::move(outcome)]() mutable {
                                                (*shared)(std::move(outcome));
                                            });
                                 work->reset();
                             });
        },
        asio::use_awaitable);
}

}  // namespace deals::http
