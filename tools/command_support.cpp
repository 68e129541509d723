#include "tools/command_support.hpp"

#include <iostream>
#include <utility>

#include "store/store.hpp"

namespace deals::tools {

int fail(const std::string& message) {
    std::cerr << "error: " << message << std::endl;
    return 1;
}

int fail(const Error& error) {
    std::string text = error.message;
    for (const auto& [field, messages] : error.fields) {
        for (const auto& m : messages) {
            text += "\n  " + field + ": " + m;
        }
    }
    return fail(text);
}

int commit(store::Store& store, const std::string& stream, commands::Events events) {
    auto outcome = store.append_and_wait(
        {stream, events::ExpectedVersion::no_stream(), std::move(events), {}});
    if (!outcome) {
        return fail("could not write to the log: " + outcome.error().message);
    }
    return 0;
}

}  // namespace deals::tools
