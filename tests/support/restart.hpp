#pragma once

// Helpers for the tests that stop a store and open it again: a server over a data directory
// that outlives it, the views a fresh fold of the whole log gives, and forgetting the stored
// views so that the next open must replay the log. Header only.

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>

#include "http/wiring.hpp"
#include "projections/views.hpp"
#include "store/store.hpp"
#include "tests/support/raw_database.hpp"
#include "tests/support/test_server.hpp"

namespace deals::testing {

/// The real server over an existing data directory, so a test can stop it and start another
/// on the same directory (TestServer makes a new directory and its own admin each time).
class ServerOnDir {
public:
    ServerOnDir(const std::string& dir, ManualClock& clock) {
        auto opened =
            store::Store::open({.data_dir = dir, .clock = [&clock] { return clock.now(); }});
        REQUIRE(opened.has_value());
        store_ = std::move(*opened);
        app_ = std::make_unique<http::AppContext>(http::app_context(
            *store_, nullptr, {.clock = [&clock] { return clock.now(); }, .kafka_mode = "off"}));
        server_ = std::make_unique<http::Server>(
            *app_, http::ServerConfig{.host = "127.0.0.1", .port = 0, .threads = 2});
        port_ = server_->start();
        thread_ = std::thread([this] { server_->run(); });
    }
    ~ServerOnDir() {
        server_->stop();
        thread_.join();
        server_.reset();
        store_->close();
    }
    ServerOnDir(const ServerOnDir&) = delete;
    ServerOnDir& operator=(const ServerOnDir&) = delete;

    HttpClient client(const std::string& token) const { return HttpClient(port_, token); }
    store::Store& store() { return *store_; }

private:
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<http::AppContext> app_;
    std::unique_ptr<http::Server> server_;
    std::thread thread_;
    unsigned short port_ = 0;
};

/// Every event of the log folded into fresh views, one by one.
inline projections::Views replay(store::Store& store) {
    projections::Views views;
    const auto head = store.log().head_sequence();
    const auto recorded = store.log().read_range(1, head, 100000);
    REQUIRE(recorded.size() == head);
    for (const auto& e : recorded) {
        views.apply(e);
    }
    return views;
}

/// Deletes the stored views and the checkpoint of the closed store in `dir` (RocksDB written
/// directly), so that the next open folds the log alone.
inline void forget_views(const std::string& dir) {
    auto db = open_raw_database(dir);
    REQUIRE(db->DeleteRange(rocksdb::WriteOptions{}, db->DefaultColumnFamily(), "v", "w").ok());
    REQUIRE(db->Delete(rocksdb::WriteOptions{}, "mcheckpoint").ok());
}

/// A new store in `dir` (nothing seeded) holding every event of `from`'s log, appended one by
/// one (its own clock stamps them anew); it checkpoints before each event whose sequence is a
/// multiple of `checkpoint_every`. (A TestServer's own directory is not a test's to reopen.)
inline std::unique_ptr<store::Store> copy_log(store::Store& from, const std::string& dir,
                                              events::Sequence checkpoint_every) {
    auto opened = store::Store::open({.data_dir = dir, .seed_defaults = false});
    REQUIRE(opened);
    auto target = std::move(*opened);
    const auto events = from.log().read_range(1, from.log().head_sequence(), 100000);
    for (const auto& e : events) {
        if (e.sequence % checkpoint_every == 0) {
            target->checkpoint(true);
        }
        REQUIRE(
            target->append_and_wait({e.stream, events::ExpectedVersion::any(), {e.data}, e.meta})
                .has_value());
    }
    return target;
}

}  // namespace deals::testing
