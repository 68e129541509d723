#pragma once

#include <string>
#include <string_view>

namespace deals::support {

/// SHA-256 of `data`, as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);
/// SHA-256 of `a` followed by `b`, as 64 lowercase hex digits.
std::string sha256_hex(std::string_view a, std::string_view b);
/// The same into `hex` (64 chars, no terminator), without allocating: for long verifications.
void sha256_hex(std::string_view a, std::string_view b, char* hex);

}  // namespace deals::support
