#pragma once

#include <string>
#include <string_view>

namespace deals::projections {

/// A binary sort key for `text` under ICU's root collator at primary strength: comparing keys
/// with `<` orders text ignoring case and accents (`Åsa` between `alpha` and `Bravo`), as
/// MySQL's utf8mb4_unicode_ci does. Thread-safe.
std::string collation_key(std::string_view text);

/// `text` folded for equality tests that ignore case and accents (`José` == `jose`).
/// Thread-safe.
std::string fold(std::string_view text);

/// The number of Unicode code points in UTF-8 `text` (how Laravel's `max` counts strings).
std::size_t utf8_length(std::string_view text);

}  // namespace deals::projections
