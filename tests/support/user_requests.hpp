#pragma once

// The append the store tests make most: a user created on its own stream. Header only.

#include <cstdint>
#include <string>

#include "events/event_log.hpp"

namespace deals::testing {

/// UserCreated for user `id` on stream user-`id`, made by user 1 with token 2; the request id
/// is "req-`id`" unless given.
inline events::AppendRequest create_user(
    std::int64_t id, events::ExpectedVersion expected = events::ExpectedVersion::no_stream(),
    std::string request_id = {}, std::string correlation_id = "corr") {
    const std::string n = std::to_string(id);
    return {"user-" + n,
            expected,
            {events::UserCreated{events::UserId{id}, "User " + n, "u" + n + "@example.com", false,
                                 true, events::DealsScope::kOwn}},
            {{events::UserId{1}, events::TokenId{2}},
             request_id.empty() ? "req-" + n : std::move(request_id),
             std::move(correlation_id)}};
}

}  // namespace deals::testing
