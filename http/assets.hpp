#pragma once

#include <string_view>

namespace deals::http {

/// A file of the checkout built into the binary, by the name http/CMakeLists.txt gives it
/// (`openapi.json`, …): its bytes, or an empty view when there is no such asset. The bytes are
/// constants of the program: valid for its whole life, safe from any thread.
std::string_view asset(std::string_view name);

}  // namespace deals::http
