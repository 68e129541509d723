#include "store/backup_files.hpp"

#include <fcntl.h>
#include <rocksdb/file_checksum.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace deals::store::backup_files {

namespace {

constexpr std::size_t kChunk = 1U << 20;

/// A file descriptor, closed when it goes.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool ok() const { return fd_ >= 0; }

private:
    int fd_;
};

Error io_error(const std::string& what, const std::string& path) {
    return unavailable(what + " " + path + ": " + std::strerror(errno));
}

/// CRC-32C, as RocksDB computes it for its own file checksums (hardware-accelerated).
class Crc {
public:
    Crc()
        : gen_(rocksdb::GetFileChecksumGenCrc32cFactory()->CreateFileChecksumGenerator(
              rocksdb::FileChecksumGenContext{})) {}
    void update(const char* data, std::size_t n) { gen_->Update(data, n); }
    std::string hex() {
        gen_->Finalize();
        const std::string raw = gen_->GetChecksum();
        static constexpr char kHex[] = "0123456789abcdef";
        std::string out;
        for (const char c : raw) {
            out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
            out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
        }
        return out;
    }

private:
    std::unique_ptr<rocksdb::FileChecksumGenerator> gen_;
};

Result<void> write_all(int fd, const char* data, std::size_t n, const std::string& path) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return io_error("cannot write", path);
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return {};
}

/// Reads `size` bytes of `in` in chunks, handing each to `sink`.
template <class Sink>
Result<void> read_chunks(int in, const std::string& path, std::uint64_t size, Meter& meter,
                         Sink&& sink) {
    std::vector<char> buffer(kChunk);
    std::uint64_t left = size;
    while (left > 0) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
        const ssize_t r = ::read(in, buffer.data(), want);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return io_error("cannot read", path);
        }
        if (r == 0) {
            return unavailable(path + " is shorter than the " + std::to_string(size) +
                               " bytes expected");
        }
        if (auto sunk = sink(buffer.data(), static_cast<std::size_t>(r)); !sunk) {
            return sunk;
        }
        meter.add(static_cast<std::uint64_t>(r));
        left -= static_cast<std::uint64_t>(r);
    }
    return {};
}

Result<void> sync_and_close(Fd& out, const std::string& path) {
    if (::fsync(out.get()) != 0) {
        return io_error("cannot sync", path);
    }
    return {};
}

}  // namespace

Result<std::string> copy(const std::string& from, const std::string& to, std::uint64_t size,
                         Meter& meter) {
    const Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.ok()) {
        return io_error("cannot open", from);
    }
    Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out.ok()) {
        return io_error("cannot create", to);
    }
    Crc crc;
    auto copied = read_chunks(in.get(), from, size, meter, [&](const char* data, std::size_t n) {
        crc.update(data, n);
        return write_all(out.get(), data, n, to);
    });
    if (!copied) {
        return copied.error();
    }
    if (auto synced = sync_and_close(out, to); !synced) {
        return synced.error();
    }
    return crc.hex();
}

Result<std::string> write(const std::string& to, std::string_view contents) {
    Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out.ok()) {
        return io_error("cannot create", to);
    }
    if (auto written = write_all(out.get(), contents.data(), contents.size(), to); !written) {
        return written.error();
    }
    if (auto synced = sync_and_close(out, to); !synced) {
        return synced.error();
    }
    Crc crc;
    crc.update(contents.data(), contents.size());
    return crc.hex();
}

Result<std::string> checksum(const std::string& path, std::uint64_t size, Meter& meter) {
    const Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.ok()) {
        return io_error("cannot open", path);
    }
    Crc crc;
    auto read = read_chunks(in.get(), path, size, meter, [&](const char* data, std::size_t n) {
        crc.update(data, n);
        return Result<void>{};
    });
    if (!read) {
        return read.error();
    }
    char extra = 0;
    if (::read(in.get(), &extra, 1) != 0) {
        return unavailable(path + " is longer than the " + std::to_string(size) +
                           " bytes expected");
    }
    return crc.hex();
}

Result<void> sync_directory(const std::string& dir) {
    const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.ok() || ::fsync(fd.get()) != 0) {
        return io_error("cannot sync the directory", dir);
    }
    return {};
}

}  // namespace deals::store::backup_files
