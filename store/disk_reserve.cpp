#include "store/disk_reserve.hpp"

#include <sys/statvfs.h>

#include "support/log.hpp"

namespace deals::store {

namespace {

std::string megabytes(std::uint64_t bytes) {
    return std::to_string(bytes / (1024 * 1024)) + " MiB";
}

}  // namespace

DiskReserve::DiskReserve(std::string dir, std::uint64_t reserve_bytes)
    : dir_(std::move(dir)), reserve_(reserve_bytes) {}

bool DiskReserve::allows(std::uint64_t bytes) {
    if (reserve_ == 0) {
        return true;
    }
    // Cannot tell (UINT64_MAX): let RocksDB try, and report what it meets.
    const std::uint64_t free = free_bytes();
    const bool allowed = free >= reserve_ && free - reserve_ >= bytes;
    std::lock_guard lock(log_mutex_);
    if (allowed == refusing_) {
        refusing_ = !allowed;
        if (allowed) {
            logging::info("store: " + megabytes(free) + " free on " + dir_ + " again: writes work");
        } else {
            logging::error("store: " + refusal() + "; writes answer 503 until there is room");
        }
    }
    return allowed;
}

std::uint64_t DiskReserve::free_bytes() {
    struct statvfs fs {};
    if (::statvfs(dir_.c_str(), &fs) != 0) {
        return UINT64_MAX;
    }
    // f_bavail: what an unprivileged writer may use (root's reserved blocks are not ours).
    const std::uint64_t free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    free_.store(free, std::memory_order_relaxed);
    return free;
}

std::string DiskReserve::refusal() const {
    return "the disk is full: " + megabytes(free_.load(std::memory_order_relaxed)) + " free on " +
           dir_ + ", and " + megabytes(reserve_) +
           " are kept for the database's own work (--min-free-space)";
}

}  // namespace deals::store
