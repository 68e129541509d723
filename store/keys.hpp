#pragma once

// The RocksDB key layout (store/README.md). Private to store/.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deals::store::keys {

constexpr char kEvent = 'e';        ///< e<seq:be64>                 -> record
constexpr char kStreamIndex = 'x';  ///< x<stream>\0<version:be64>   -> <seq:be64>
constexpr char kView = 'v';         ///< v<kind><id:be64>            -> view JSON
constexpr char kMeta = 'm';         ///< m<name>                     -> JSON
constexpr char kIdempotency = 'i';  ///< i<scoped key hex>           -> marker or response JSON

inline void put_be64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((v >> shift) & 0xFF));
    }
}

inline std::uint64_t get_be64(std::string_view s) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8 && i < s.size(); ++i) {
        v = (v << 8) | static_cast<unsigned char>(s[i]);
    }
    return v;
}

inline std::string event(std::uint64_t sequence) {
    std::string k(1, kEvent);
    put_be64(k, sequence);
    return k;
}

inline std::string stream_prefix(std::string_view stream) {
    std::string k(1, kStreamIndex);
    k.append(stream).push_back('\0');
    return k;
}

inline std::string stream_entry(std::string_view stream, std::uint64_t version) {
    std::string k = stream_prefix(stream);
    put_be64(k, version);
    return k;
}

inline std::string view(char kind, std::int64_t id) {
    std::string k{kView, kind};
    put_be64(k, static_cast<std::uint64_t>(id));
    return k;
}

inline std::string view_prefix(char kind) { return std::string{kView, kind}; }

inline const std::string kCheckpoint = "mcheckpoint";

inline std::string idempotency(std::string_view scoped_key) {
    std::string k(1, kIdempotency);
    k.append(scoped_key);
    return k;
}

/// mkafka\0<cluster id>\0<topic> -> {"sequence":N}: what the relay has published there.
/// The value kept under relay_position: `{"sequence":S,"offsets":[o0,o1,…]}`, offsets when known.
inline std::string topic_position_json(std::uint64_t sequence,
                                       const std::vector<std::int64_t>& offsets) {
    std::string out = "{\"sequence\":" + std::to_string(sequence);
    if (!offsets.empty()) {
        out += ",\"offsets\":[";
        for (std::size_t p = 0; p < offsets.size(); ++p) {
            out += (p == 0 ? "" : ",") + std::to_string(offsets[p]);
        }
        out += "]";
    }
    return out + "}";
}

inline std::string relay_position(std::string_view cluster_id, std::string_view topic) {
    std::string k = "mkafka";
    k.push_back('\0');
    k.append(cluster_id).push_back('\0');
    k.append(topic);
    return k;
}

}  // namespace deals::store::keys
