#include "tools/tokens.hpp"

#include <random>

namespace deals::tools {

std::string new_token_secret() {
    static constexpr char kAlphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::random_device device;  // the kernel's random source
    std::uniform_int_distribution<int> pick(0, static_cast<int>(sizeof kAlphabet) - 2);
    std::string secret(40, 'a');
    for (char& c : secret) {
        c = kAlphabet[pick(device)];
    }
    return secret;
}

}  // namespace deals::tools
