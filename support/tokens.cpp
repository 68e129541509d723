#include "support/tokens.hpp"

#include <random>
#include <string_view>
#include <utility>

#include "support/sha256.hpp"

namespace deals::support {

std::string new_token_secret() {
    static constexpr std::string_view kAlphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::random_device device;  // the kernel's random source
    std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
    std::string secret(40, 'a');
    for (char& c : secret) {
        c = kAlphabet[pick(device)];
    }
    return secret;
}

MintedToken mint_token(events::IdSource& ids) {
    std::string secret = new_token_secret();
    std::string hash = sha256_hex(secret);
    return {ids.next_token(), std::move(secret), std::move(hash)};
}

}  // namespace deals::support
