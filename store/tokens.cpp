#include "store/tokens.hpp"

#include <random>
#include <string_view>
#include <utility>

#include "store/sha256.hpp"

namespace deals::store {

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

MintedToken mint_token(Store& store, events::UserId user, std::string name) {
    std::string secret = new_token_secret();
    commands::IssueToken command{store.next_token(), user, std::move(name), sha256_hex(secret)};
    return {std::move(command), std::move(secret)};
}

}  // namespace deals::store
