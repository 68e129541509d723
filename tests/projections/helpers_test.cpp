#include "projections/helpers.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <thread>

using deals::projections::Helpers;
using deals::projections::run_on;

TEST_CASE("a helper's exception reaches the caller once every helper has stopped", "[helpers]") {
    std::atomic<int> finished{0};
    Helpers helpers;
    for (int i = 0; i < 3; ++i) {
        helpers.start([&finished, i] {
            if (i == 1) {
                throw std::runtime_error("helper 1 failed");
            }
            ++finished;
        });
    }
    CHECK_THROWS_WITH(helpers.join(), "helper 1 failed");
    CHECK(finished == 2);
    CHECK_NOTHROW(helpers.join());  // thrown once
}

TEST_CASE("run_on runs the work on every thread and rethrows the first failure", "[helpers]") {
    std::atomic<int> calls{0};
    run_on(4, [&calls] { ++calls; });
    CHECK(calls == 4);

    std::atomic<int> started{0};
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH(run_on(4,
                             [&] {
                                 if (started++ == 2) {
                                     throw std::length_error("third call");
                                 }
                                 ++ran;
                             }),
                      "third call");
    CHECK(started == 4);
    CHECK(ran == 3);
}

TEST_CASE("the caller's own exception waits for its helpers", "[helpers]") {
    std::atomic<bool> go{false};
    std::atomic<bool> done{false};
    try {
        Helpers helpers;
        helpers.start([&] {
            while (!go) {
                std::this_thread::yield();
            }
            done = true;
        });
        go = true;
        throw std::runtime_error("the caller failed");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()) == "the caller failed");
        CHECK(done);  // joined on the way out
    }
}
