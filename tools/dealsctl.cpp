// dealsctl: the command-line tool for operators: users and tokens on a data directory, and a
// development Kafka broker and topic tail.

#include <CLI/CLI.hpp>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <iostream>
#include <optional>
#include <vector>

#include "commands/directory_commands.hpp"
#include "store/embedded_broker.hpp"
#include "store/kafka_consumer.hpp"
#include "store/store.hpp"
#include "store/tokens.hpp"
#include "tools/audit_commands.hpp"
#include "tools/rebuild_command.hpp"
#include "tools/seed.hpp"

namespace {

using namespace deals;

int fail(const std::string& message) {
    std::cerr << "error: " << message << std::endl;
    return 1;
}

int fail(const Error& error) {
    std::string text = error.message;
    for (const auto& [field, messages] : error.fields) {
        for (const auto& m : messages) {
            text += "\n  " + field + ": " + m;
        }
    }
    return fail(text);
}

/// Appends the events of a decided command to `stream`, waiting until they are durable.
int commit(store::Store& store, const std::string& stream, commands::Events events) {
    auto outcome = store.append_and_wait(
        {stream, events::ExpectedVersion::no_stream(), std::move(events), {}});
    if (outcome.status != events::AppendStatus::kOk) {
        return fail("could not write to the log: " + outcome.detail);
    }
    return 0;
}

int add_user(store::Store& store, commands::CreateUser command) {
    command.id = store.next_user();
    auto events = store.read([&](const auto& views) { return commands::decide(views, command); });
    if (!events) {
        return fail(events.error());
    }
    if (int rc = commit(store, events::user_stream(command.id), std::move(*events)); rc != 0) {
        return rc;
    }
    std::cerr << "created user " << command.id.value << " <" << command.email << ">"
              << (command.super_admin ? " (super-admin)" : "") << std::endl;
    return 0;
}

int list_users(store::Store& store) {
    store.read([](const projections::Views& views) {
        for (const auto* u : views.users()) {
            std::cout << u->id.value << "\t" << u->email << "\t" << u->name
                      << (u->super_admin ? "\tsuper-admin" : "") << "\n";
        }
    });
    return 0;
}

/// A user id written in digits; nothing for anything else, a number too large too.
std::optional<std::int64_t> parse_id(const std::string& text) {
    std::int64_t id = 0;
    const char* end = text.data() + text.size();
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const auto parsed = std::from_chars(text.data(), end, id);
    if (parsed.ec != std::errc{} || parsed.ptr != end) {
        return std::nullopt;
    }
    return id;
}

int issue_token(store::Store& store, const std::string& user_ref, const std::string& name) {
    const auto user_id = store.read([&](const projections::Views& views) {
        const projections::User* u = views.user_by_email(user_ref);
        if (const auto id = parse_id(user_ref); u == nullptr && id) {
            u = views.user(events::UserId{*id});
        }
        return u != nullptr ? std::optional(u->id) : std::nullopt;
    });
    if (!user_id) {
        return fail("no user with email or id '" + user_ref + "'");
    }
    const store::MintedToken token = store::mint_token(store);
    const commands::IssueToken command{token.id, *user_id, name, token.secret_sha256};
    auto events = store.read([&](const auto& views) { return commands::decide(views, command); });
    if (!events) {
        return fail(events.error());
    }
    if (int rc = commit(store, events::token_stream(token.id), std::move(*events)); rc != 0) {
        return rc;
    }
    std::cout << token.plain_text() << std::endl;
    return 0;
}

/// Runs a development broker until SIGTERM or SIGINT.
int run_broker(int partitions, const std::string& topic) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    // Blocked before librdkafka starts its threads, so that only sigwait below sees them.
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto broker = store::EmbeddedBroker::start({.topic = topic, .partitions = partitions});
    if (!broker) {
        return fail(broker.error());
    }
    std::cout << "bootstrap: " << (*broker)->bootstrap() << std::endl;
    std::cout << "topic: " << topic << " (" << partitions << " partitions)" << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    std::cout << "stopped: signal " << received << std::endl;
    return 0;
}

std::atomic<bool> g_stop{false};

/// Prints each event's CloudEvents JSON on its own line until interrupted, `limit` events or
/// `idle_seconds` without one.
int run_tail(const store::KafkaConsumer::Options& options, long limit, double idle_seconds) {
    std::signal(SIGINT, [](int) { g_stop = true; });
    std::signal(SIGTERM, [](int) { g_stop = true; });
    auto consumer = store::KafkaConsumer::open(options);
    if (!consumer) {
        return fail(consumer.error());
    }
    long printed = 0;
    auto last = std::chrono::steady_clock::now();
    while (!g_stop && (limit <= 0 || printed < limit)) {
        auto message = (*consumer)->poll(std::chrono::milliseconds(200));
        if (!message) {
            std::cerr << "warning: " << message.error().message << std::endl;
            continue;
        }
        if (!*message) {
            const std::chrono::duration<double> idle = std::chrono::steady_clock::now() - last;
            if (idle_seconds > 0 && idle.count() >= idle_seconds) {
                break;
            }
            continue;
        }
        last = std::chrono::steady_clock::now();
        std::cout << (*message)->value << "\n";
        std::cout.flush();
        ++printed;
    }
    std::cerr << "tail: " << printed << " events" << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"dealsctl: operate on a Relate Deals data directory"};
    cli.require_subcommand(1);
    std::string data_dir = "./var/data";
    cli.add_option("--data-dir", data_dir, "The server's data directory")
        ->envname("DEALS_DATA_DIR")
        ->capture_default_str();
    std::uint64_t min_free_mb = 256;
    cli.add_option("--min-free-space", min_free_mb,
                   "MiB kept free on the data directory's file system, as dealsd keeps them")
        ->envname("DEALS_MIN_FREE_SPACE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();

    auto* user = cli.add_subcommand("user", "Manage users")->require_subcommand(1);
    commands::CreateUser new_user;
    std::string scope = "own";
    bool no_api = false;
    auto* user_add = user->add_subcommand("add", "Create a user");
    user_add->add_option("--name", new_user.name, "Full name")->required();
    user_add->add_option("--email", new_user.email, "E-mail address (unique)")->required();
    user_add->add_flag("--super-admin", new_user.super_admin, "May do everything");
    user_add->add_option("--deals-scope", scope, "all | own")
        ->check(CLI::IsMember({"all", "own"}))
        ->capture_default_str();
    user_add->add_flag("--no-api-access", no_api, "The user may not call the API");
    auto* user_list = user->add_subcommand("list", "List users (id, email, name)");

    auto* token = cli.add_subcommand("token", "Manage API tokens")->require_subcommand(1);
    std::string token_user;
    std::string token_name = "dealsctl";
    auto* token_issue = token->add_subcommand("issue", "Issue a token; prints only the token");
    token_issue->add_option("--user", token_user, "The user's e-mail or id")->required();
    token_issue->add_option("--name", token_name, "A name for the token")->capture_default_str();

    tools::SeedOptions seed;
    bool no_progress = false;
    auto* seed_cmd = cli.add_subcommand(
        "seed", "Create realistic deals through the command path (for benchmarks and demos)");
    seed_cmd->add_option("--deals", seed.deals, "How many deals")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    seed_cmd->add_option("--seed", seed.seed, "Random seed (same seed, same deals)")
        ->capture_default_str();
    seed_cmd->add_option("--events-per-deal", seed.events_per_deal,
                         "Events per deal: 1 is a create, more adds a history (for replay benchmarks)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    seed_cmd->add_option("--owners", seed.owners, "Users to own deals (created when missing)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    seed_cmd->add_flag("--no-progress", no_progress, "No progress line on stderr");

    int partitions = 4;
    std::string topic = "deals.events";
    auto* broker = cli.add_subcommand(
        "broker", "Run a development Kafka broker (in memory) until SIGTERM; prints its address");
    broker->add_option("--partitions", partitions, "Partitions of the topic")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    broker->add_option("--topic", topic, "Topic to create")->capture_default_str();

    store::KafkaConsumer::Options tail_options;
    std::vector<std::string> tail_config;
    long tail_limit = 0;
    double tail_idle = 0;
    auto* tail = cli.add_subcommand(
        "tail", "Print the events on the Kafka topic, one CloudEvents JSON per line");
    tail->add_option("--kafka", tail_options.brokers, "HOST:PORT[,HOST:PORT…]")->required();
    tail->add_option("--topic", tail_options.topic, "Topic")->capture_default_str();
    tail->add_flag("--from-beginning", tail_options.from_beginning,
                   "Start at the oldest message (default: only new ones)");
    tail->add_option("--kafka-config", tail_config, "librdkafka setting key=value, repeatable");
    tail->add_option("--limit", tail_limit, "Stop after this many events");
    tail->add_option("--idle-exit", tail_idle, "Stop after this many seconds without an event");

    tools::RebuildCommand rebuild;
    auto* rebuild_cmd = tools::add_rebuild_command(cli, rebuild);

    const tools::AuditCommands audit(cli);  // events, verify, replay, export: read-only

    CLI11_PARSE(cli, argc, argv);

    if (const auto status = audit.run(data_dir)) {
        return *status;
    }

    if (*rebuild_cmd) {
        return tools::run_rebuild(data_dir, rebuild);
    }

    if (*broker) {
        return run_broker(partitions, topic);
    }
    if (*tail) {
        auto config = store::parse_kafka_config(tail_config);
        if (!config) {
            return fail(config.error());
        }
        tail_options.config = std::move(*config);
        return run_tail(tail_options, tail_limit, tail_idle);
    }

    auto store = store::Store::open({.data_dir = data_dir,
                                     .min_free_bytes = min_free_mb << 20,
                                     .clock = events::Timestamp::system_now});
    if (!store) {
        return fail(store.error());
    }
    int rc = 0;
    if (*user_add) {
        new_user.deals_scope = *events::parse_deals_scope(scope);
        new_user.access_api = !no_api;
        rc = add_user(**store, new_user);
    } else if (*user_list) {
        rc = list_users(**store);
    } else if (*token_issue) {
        rc = issue_token(**store, token_user, token_name);
    } else if (*seed_cmd) {
        seed.progress = !no_progress;
        const auto started = std::chrono::steady_clock::now();
        auto created = tools::seed_deals(**store, seed);
        if (!created) {
            rc = fail(created.error());
        } else {
            const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
            std::cout << "seeded " << *created << " deals in " << took.count() << " s" << std::endl;
        }
    }
    (*store)->close();
    return rc;
}
