#include "support/sha256.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace deals::support {

namespace {

/// SHA-256 fetched from the provider once. With `EVP_sha256()` every digest fetched it again:
/// a lock, a lookup and an allocation per event hashed, which was most of the hashing's time.
const EVP_MD* sha256_md() {
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(
        EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free);
    return md.get();
}

/// One context per thread, reset by each digest's init instead of allocated for it.
EVP_MD_CTX* thread_context() {
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
        EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    return ctx.get();
}

}  // namespace

std::string sha256_hex(std::string_view data) { return sha256_hex(data, {}); }

std::string sha256_hex(std::string_view a, std::string_view b) {
    std::string out(64, '0');
    sha256_hex(a, b, out.data());
    return out;
}

void sha256_hex(std::string_view a, std::string_view b, char* hex) {
    EVP_MD_CTX* ctx = thread_context();
    const EVP_MD* md = sha256_md();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (ctx == nullptr || md == nullptr || EVP_DigestInit_ex2(ctx, md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
        EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, digest, &len) != 1 || len != 32) {
        throw std::runtime_error("SHA-256 failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; ++i) {
        hex[2 * i] = kHex[digest[i] >> 4];
        hex[2 * i + 1] = kHex[digest[i] & 0xF];
    }
}

}  // namespace deals::support
