#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace deals::store {

/// Keeps free space on the data directory's file system for RocksDB. Every write the store
/// makes asks first; while less than the reserve would be left, the write is refused (the API
/// answers 503) and RocksDB never meets a full disk. So its memtable flushes and compactions
/// always have room, reads go on, and writes resume as soon as space returns, with no recovery
/// to wait for (store/README.md, "Storage faults"). Thread-safe.
class DiskReserve {
public:
    /// `reserve_bytes` 0 turns the check off.
    DiskReserve(std::string dir, std::uint64_t reserve_bytes);

    /// True when `bytes` can be written and the reserve still be free. Looks at the file system
    /// each time (one statvfs), and logs each change between refusing and allowing.
    bool allows(std::uint64_t bytes);
    /// Why writes are refused, for the 503's log and the append's outcome.
    std::string refusal() const;

    std::uint64_t reserve_bytes() const { return reserve_; }
    /// Free bytes now (for /metrics); the largest value when the file system cannot tell.
    std::uint64_t free_bytes();

private:
    std::string dir_;
    std::uint64_t reserve_;
    std::atomic<std::uint64_t> free_{0};
    std::mutex log_mutex_;
    bool refusing_ = false;
};

}  // namespace deals::store
