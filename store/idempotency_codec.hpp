#pragma once

#include <string>
#include <string_view>

#include "events/idempotency.hpp"

namespace deals::store {

/// An Idempotency-Key's record as it is stored: the marker
/// `{"fingerprint","stream","version","sequence","at"}` or the kept response
/// `{"fingerprint","status","headers":[[name,value],…],"body","at"}`.
std::string encode_idempotency(const events::IdempotencyRecord& record);
/// The record back; an error naming what is wrong when the text is not one.
Result<events::IdempotencyRecord> decode_idempotency(std::string_view text);

}  // namespace deals::store
