#pragma once

// Threads that work beside the caller during a bulk build (start-up's index build, the names'
// keys), whose exceptions reach the caller. A std::thread whose function throws ends the
// process (std::terminate); these keep the first exception and rethrow it in the caller once
// every helper has stopped, where Store::open reports it like any other start-up failure.

#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace deals::projections {

class Helpers {
public:
    Helpers() = default;
    Helpers(const Helpers&) = delete;
    Helpers& operator=(const Helpers&) = delete;
    /// On an exception's way out of the caller too: waits for every helper (each runs to its
    /// end), and drops what they threw, since the caller's exception is already on its way.
    ~Helpers() { wait(); }

    /// Runs `work()` on a new thread.
    template <class Work>
    void start(Work work) {
        threads_.emplace_back([this, work = std::move(work)]() mutable {
            try {
                work();
            } catch (...) {
                std::lock_guard lock(mutex_);
                if (!error_) {
                    error_ = std::current_exception();
                }
            }
        });
    }

    [[nodiscard]] bool empty() const { return threads_.empty(); }

    /// Waits for every helper, then rethrows the first exception one of them threw.
    void join() {
        wait();
        if (error_) {
            std::rethrow_exception(std::exchange(error_, nullptr));
        }
    }

private:
    void wait() {
        for (auto& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
    }

    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::exception_ptr error_;
};

/// Calls `work()` on `threads` threads (this one and threads - 1 helpers) until all return. The
/// first exception any of them threw is rethrown here, after all have stopped.
template <class Work>
void run_on(unsigned threads, const Work& work) {
    Helpers helpers;
    for (unsigned t = 1; t < threads; ++t) {
        helpers.start([&work] { work(); });
    }
    work();
    helpers.join();
}

}  // namespace deals::projections
