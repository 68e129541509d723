#pragma once

#include <string>

namespace deals::testing {

/// A fresh directory under the system's temporary directory, removed with everything in it
/// when the object goes away.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace deals::testing
