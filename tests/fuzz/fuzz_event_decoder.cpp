// libFuzzer: bytes as a stored log record, through every decoder that reads records: the
// record's parts, the full decode, the fold's in-place decode and the envelope. Garbage may
// be refused with an exception, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "store/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string record(reinterpret_cast<const char*>(data), size);
    try {
        (void)deals::store::split_record(record);
    } catch (const std::exception&) {
    }
    try {
        (void)deals::store::decode_record(record);
    } catch (const std::exception&) {
    }
    try {
        std::string copy = record;
        (void)deals::store::decode_record_for_fold(copy.data(), copy.size());
    } catch (const std::exception&) {
    }
    try {
        (void)deals::store::envelope_json(record);
    } catch (const std::exception&) {
    }
    return 0;
}
