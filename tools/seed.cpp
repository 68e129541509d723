#include "tools/seed.hpp"

#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "commands/deal_commands.hpp"
#include "commands/deal_validation.hpp"
#include "commands/directory_commands.hpp"

namespace deals::tools {

namespace {

using Clock = std::chrono::steady_clock;
using events::UserId;

constexpr std::array kCompanies = {
    "Acme",       "Müller",     "José Núñez", "Café Crème", "Østergaard", "Łódź Logistics",
    "Björk",      "Zürich Re",  "São Paulo",  "Dvořák",     "Çelik",      "Ångström Labs",
    "Brontë",     "Gödel",      "Señor Frío", "Nørre",      "Kraków",     "Émile",
    "Globex",     "Initech",    "Umbrella",   "Hooli",      "Stark",      "Wayne",
    "Tyrell",     "Cyberdyne",  "Soylent",    "Vandelay",   "Wonka",      "Gringotts",
    "Ollivander", "Pied Piper", "Aperture",   "Black Mesa", "Oscorp",     "Weyland"};
/// Rare names: one deal in 2,000 gets one, so each is in about 25 of a million deals (a "rare
/// word" for search benchmarks).
constexpr std::array kRareCompanies = {
    "Zephyrine",   "Quillfeather", "Brisingamen", "Vexillum",  "Ozymandias",
    "Pellucidar",  "Xanthippe",    "Yggdrasil",   "Gallimaufry", "Halcyon Øre",
    "Ixtlán",      "Jabberwock",   "Kumquat Sàrl", "Lollapalooza", "Mnemosyne",
    "Nephelococcygia", "Orrery",   "Palimpsest",  "Quagga",    "Rhadamanthus"};
constexpr std::array kSuffixes = {"GmbH", "SA",    "SL",         "SARL", "A/S", "AB", "Ltd",
                                  "Inc",  "S.p.A", "Sp. z o.o.", "BV",   "Oy",  "KG", "LLC"};
constexpr std::array kProducts = {"renewal",
                                  "expansion",
                                  "pilot",
                                  "support plan",
                                  "licences",
                                  "onboarding",
                                  "migration",
                                  "consulting",
                                  "training",
                                  "hardware refresh",
                                  "data platform",
                                  "café machines",
                                  "crème brûlée supply",
                                  "logística",
                                  "señalización",
                                  "integración",
                                  "Übersetzung",
                                  "förnyelse",
                                  "maintenance",
                                  "upgrade"};
constexpr std::array kLostReasons = {"Price too high", "Went with a competitor",
                                     "No budget this year", "Project cancelled",
                                     "No decision maker"};

template <class Array>
const char* pick(std::mt19937_64& rng, const Array& a) {
    return a[std::uniform_int_distribution<std::size_t>(0, a.size() - 1)(rng)];
}

/// One deal body, as a client would send it.
commands::DealInput random_deal(std::mt19937_64& rng, const std::vector<UserId>& owners,
                                std::int64_t stages, events::Date today) {
    using commands::FieldValue;
    commands::DealInput in;
    const bool rare = std::uniform_int_distribution<int>(0, 1999)(rng) == 0;
    std::string name = std::string(rare ? pick(rng, kRareCompanies) : pick(rng, kCompanies)) +
                       " " + pick(rng, kSuffixes) + " — " + pick(rng, kProducts);
    in.name = FieldValue::string(name);
    in.stage_id = FieldValue::number(
        std::to_string(std::uniform_int_distribution<std::int64_t>(1, stages)(rng)));
    const auto cents = std::uniform_int_distribution<std::int64_t>(10'000, 25'000'000)(rng);
    in.amount = FieldValue::number(std::to_string(cents / 100) + "." +
                                   (cents % 100 < 10 ? "0" : "") + std::to_string(cents % 100));
    const auto offset = std::uniform_int_distribution<int>(-365, 365)(rng);
    in.expected_close_date = FieldValue::string(events::Date{today.days + offset}.str());
    const auto roll = std::uniform_int_distribution<int>(0, 99)(rng);
    if (roll < 20) {
        in.status = FieldValue::string("won");
    } else if (roll < 30) {
        in.status = FieldValue::string("lost");
        in.lost_reason = FieldValue::string(pick(rng, kLostReasons));
    }
    if (!owners.empty() && std::uniform_int_distribution<int>(0, 9)(rng) != 0) {
        in.user_id = FieldValue::number(
            owners[std::uniform_int_distribution<std::size_t>(0, owners.size() - 1)(rng)].str());
    }
    return in;
}

/// `\r`-updated on a terminal, a line per tenth otherwise.
class Progress {
public:
    Progress(std::int64_t total, bool enabled)
        : total_(total), enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0) {}

    void update(std::int64_t done, bool last = false) {
        if (!enabled_) {
            return;
        }
        const auto now = Clock::now();
        const bool tenth = total_ >= 10 && done / (total_ / 10) != shown_tenth_;
        if (!last && (tty_ ? now - shown_at_ < std::chrono::milliseconds(250) : !tenth)) {
            return;
        }
        shown_at_ = now;
        shown_tenth_ = total_ >= 10 ? done / (total_ / 10) : 0;
        const double seconds = std::chrono::duration<double>(now - started_).count();
        const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
        const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
        std::fprintf(
            stderr, "%sseeding: %lld/%lld deals (%.1f%%), %.0f deals/s, %.0f s left%s",
            tty_ ? "\r" : "", static_cast<long long>(done), static_cast<long long>(total_),
            total_ > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0,
            rate, left, tty_ && !last ? "   " : "\n");
    }

private:
    std::int64_t total_;
    bool enabled_;
    bool tty_;
    Clock::time_point started_ = Clock::now();
    Clock::time_point shown_at_{};
    std::int64_t shown_tenth_ = -1;
};

/// Appends to a new deal's events a history of `count - 1` more, each decided on the deal as
/// the events before it leave it: renames and new amounts, stage moves, owner changes, won
/// and reopened.
std::optional<commands::Error> add_history(commands::Events& events, int count,
                                           std::mt19937_64& rng,
                                           const std::vector<events::UserId>& owners,
                                           const std::vector<commands::StagePlacement>& stages) {
    projections::Deal deal;
    const auto now = events::Timestamp::system_now();
    for (const auto& e : events) {
        projections::apply(deal, e, now, deal.version + 1);
    }
    std::uniform_int_distribution<int> percent(0, 99);
    while (static_cast<int>(events.size()) < count) {
        commands::Result<commands::Events> next = commands::Events{};
        const int pick = percent(rng);
        if (pick < 35) {
            commands::UpdateDeal u;
            u.name = deal.name + (deal.name.ends_with(" (renewal)") ? "" : " (renewal)");
            u.amount = std::optional(events::Money{std::uniform_int_distribution<std::int64_t>(
                1'000'000, 500'000'000)(rng)});
            next = commands::decide(deal, u);
        } else if (pick < 65 && !stages.empty()) {
            commands::UpdateDeal u;
            u.stage = stages[std::uniform_int_distribution<std::size_t>(0, stages.size() - 1)(rng)];
            next = commands::decide(deal, u);
        } else if (pick < 80 && !owners.empty()) {
            commands::UpdateDeal u;
            u.user_id = std::optional(
                owners[std::uniform_int_distribution<std::size_t>(0, owners.size() - 1)(rng)]);
            next = commands::decide(deal, u);
        } else {
            commands::ChangeStatus c;
            c.status = deal.status == events::DealStatus::kOpen ? events::DealStatus::kWon
                                                                : events::DealStatus::kOpen;
            next = commands::decide(deal, c);
        }
        if (!next) {
            return next.error();
        }
        for (auto& e : *next) {
            if (static_cast<int>(events.size()) >= count) {
                break;
            }
            projections::apply(deal, e, now, deal.version + 1);
            events.push_back(std::move(e));
        }
    }
    return std::nullopt;
}

/// Owners: the existing users, topped up with seed users to `count`.
commands::Result<std::vector<UserId>> seed_owners(store::Store& store, int count) {
    auto owners = store.read([](const projections::Views& views) {
        std::vector<UserId> ids;
        for (const auto* u : views.users()) {
            ids.push_back(u->id);
        }
        return ids;
    });
    for (int i = static_cast<int>(owners.size()); i < count; ++i) {
        commands::CreateUser user{store.next_user(),
                                  "Seed Owner " + std::to_string(i + 1),
                                  "owner" + std::to_string(i + 1) + "@seed.example",
                                  false,
                                  true,
                                  events::DealsScope::kOwn};
        auto events = store.read([&](const auto& views) { return commands::decide(views, user); });
        if (!events) {
            return events.error();
        }
        auto outcome = store.append_and_wait({events::user_stream(user.id),
                                              events::ExpectedVersion::no_stream(),
                                              std::move(*events),
                                              {}});
        if (!outcome) {
            return commands::unavailable("cannot create seed users: " + outcome.error().message);
        }
        owners.push_back(user.id);
    }
    return owners;
}

/// Every stage, with its pipeline, in the order of their names.
std::vector<commands::StagePlacement> stage_placements(store::Store& store) {
    return store.read([](const projections::Views& views) {
        std::vector<commands::StagePlacement> out;
        for (const auto* s : views.stages_by_name()) {
            out.push_back({s->id, s->pipeline_id});
        }
        return out;
    });
}

/// The deals to seed, drawn one after another from the seeded generator.
class RandomDeals {
public:
    RandomDeals(const SeedOptions& options, std::vector<UserId> owners,
                std::vector<commands::StagePlacement> stages)
        : rng_(options.seed),
          owners_(std::move(owners)),
          stages_(std::move(stages)),
          events_per_deal_(options.events_per_deal) {}

    /// The next deal's creation, validated and decided as a client's would be, with its
    /// history: one append to a new stream.
    commands::Result<events::AppendRequest> next(store::Store& store) {
        const auto input =
            random_deal(rng_, owners_, static_cast<std::int64_t>(stages_.size()), today_);
        auto command = store.read([&](const projections::Views& views) {
            return commands::validate_create(input, views, events::DealId{}, settings_);
        });
        if (!command) {
            return command.error();
        }
        command->id = store.next_deal();
        auto events = commands::decide(nullptr, *command);
        if (!events) {
            return events.error();
        }
        if (events_per_deal_ > 1) {
            if (auto failed = add_history(*events, events_per_deal_, rng_, owners_, stages_)) {
                return *failed;
            }
        }
        return events::AppendRequest{events::deal_stream(command->id),
                                     events::ExpectedVersion::no_stream(),
                                     std::move(*events),
                                     {{}, "seed", "seed"}};
    }

private:
    std::mt19937_64 rng_;
    std::vector<UserId> owners_;
    std::vector<commands::StagePlacement> stages_;
    int events_per_deal_;
    const events::Date today_{
        static_cast<std::int32_t>(events::Timestamp::system_now().micros / 86'400'000'000LL)};
    const commands::ValidationSettings settings_;
};

/// The appends in flight, and how they ended: the number done and the first failure.
class Appends {
public:
    Appends() = default;
    /// Waits for the appends still in flight, whose callbacks use this: a seed that returns
    /// early (a validation or append failure) leaves some.
    ~Appends() {
        std::unique_lock lock(mutex_);
        wait_idle(lock);
    }
    Appends(const Appends&) = delete;
    Appends& operator=(const Appends&) = delete;

    /// Waits for room among the appends in flight and takes it; the first failure instead, if
    /// an append has failed.
    std::optional<commands::Error> wait_for_room() {
        std::unique_lock lock(mutex_);
        // Many appends in flight, so that the writer's group commit packs them.
        cv_.wait(lock, [&] { return in_flight_ < 4096 || failure_; });
        if (failure_) {
            return failure_;
        }
        ++in_flight_;
        return std::nullopt;
    }

    /// Appends in the room taken by wait_for_room().
    void append(events::EventLog& log, events::AppendRequest request) {
        log.append(std::move(request), [this](events::AppendResult outcome) {
            std::lock_guard lock(mutex_);
            --in_flight_;
            ++done_;
            if (!outcome && !failure_) {
                failure_ = commands::unavailable("append failed: " + outcome.error().message);
            }
            cv_.notify_all();
        });
    }

    std::int64_t done() {
        std::lock_guard lock(mutex_);
        return done_;
    }

    /// Waits until no append is in flight, then shows the last progress; the number done, or
    /// the first failure.
    commands::Result<std::int64_t> finish(Progress& progress) {
        std::unique_lock lock(mutex_);
        wait_idle(lock);
        progress.update(done_, true);
        if (failure_) {
            return *failure_;
        }
        return done_;
    }

private:
    void wait_idle(std::unique_lock<std::mutex>& lock) {
        cv_.wait(lock, [&] { return in_flight_ == 0; });
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::int64_t in_flight_ = 0;
    std::int64_t done_ = 0;
    std::optional<commands::Error> failure_;
};

}  // namespace

commands::Result<std::int64_t> seed_deals(store::Store& store, const SeedOptions& options) {
    auto owners = seed_owners(store, options.owners);
    if (!owners) {
        return owners.error();
    }
    RandomDeals deals(options, std::move(*owners), stage_placements(store));
    Appends appends;
    Progress progress(options.deals, options.progress);
    for (std::int64_t i = 0; i < options.deals; ++i) {
        auto request = deals.next(store);
        if (!request) {
            return request.error();
        }
        if (auto failed = appends.wait_for_room()) {
            return *failed;
        }
        appends.append(store.log(), std::move(*request));
        progress.update(appends.done());
    }
    return appends.finish(progress);
}

}  // namespace deals::tools
