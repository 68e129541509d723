// dealsctl: the command-line tool for operators: users and tokens on a data directory, and a
// development Kafka broker and topic tail. It also wires the subcommands that have a file of
// their own: seed, rebuild, and the auditors' events, verify, replay and export.

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
#include "tools/events_command.hpp"
#include "tools/export_command.hpp"
#include "tools/rebuild_command.hpp"
#include "tools/replay_command.hpp"
#include "tools/seed.hpp"
#include "tools/verify_command.hpp"

namespace {

using namespace deals;

int fail(const std::string& message) {
    std::cerr << "error: " << message << std::endl;
    return 1;
}

int fail(const commands::Error& error) {
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

/// `dealsctl user add` and `dealsctl user list`.
struct UserCommands {
    CLI::App* add = nullptr;
    CLI::App* list = nullptr;
    commands::CreateUser new_user;
    std::string scope = "own";
    bool no_api = false;
};

void add_user_commands(CLI::App& cli, UserCommands& c) {
    auto* user = cli.add_subcommand("user", "Manage users")->require_subcommand(1);
    c.add = user->add_subcommand("add", "Create a user");
    c.add->add_option("--name", c.new_user.name, "Full name")->required();
    c.add->add_option("--email", c.new_user.email, "E-mail address (unique)")->required();
    c.add->add_flag("--super-admin", c.new_user.super_admin, "May do everything");
    c.add->add_option("--deals-scope", c.scope, "all | own")
        ->check(CLI::IsMember({"all", "own"}))
        ->capture_default_str();
    c.add->add_flag("--no-api-access", c.no_api, "The user may not call the API");
    c.list = user->add_subcommand("list", "List users (id, email, name)");
}

/// `dealsctl token issue`.
struct TokenCommand {
    CLI::App* issue = nullptr;
    std::string user;
    std::string name = "dealsctl";
};

void add_token_command(CLI::App& cli, TokenCommand& c) {
    auto* token = cli.add_subcommand("token", "Manage API tokens")->require_subcommand(1);
    c.issue = token->add_subcommand("issue", "Issue a token; prints only the token");
    c.issue->add_option("--user", c.user, "The user's e-mail or id")->required();
    c.issue->add_option("--name", c.name, "A name for the token")->capture_default_str();
}

/// `dealsctl seed`.
struct SeedCommand {
    CLI::App* cmd = nullptr;
    tools::SeedOptions seed;
    bool no_progress = false;
};

void add_seed_command(CLI::App& cli, SeedCommand& c) {
    c.cmd = cli.add_subcommand(
        "seed", "Create realistic deals through the command path (for benchmarks and demos)");
    c.cmd->add_option("--deals", c.seed.deals, "How many deals")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    c.cmd->add_option("--seed", c.seed.seed, "Random seed (same seed, same deals)")
        ->capture_default_str();
    c.cmd
        ->add_option("--events-per-deal", c.seed.events_per_deal,
                     "Events per deal: 1 is a create, more adds a history (for replay benchmarks)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    c.cmd->add_option("--owners", c.seed.owners, "Users to own deals (created when missing)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    c.cmd->add_flag("--no-progress", c.no_progress, "No progress line on stderr");
}

int seed_deals(store::Store& store, SeedCommand& c) {
    c.seed.progress = !c.no_progress;
    const auto started = std::chrono::steady_clock::now();
    auto created = tools::seed_deals(store, c.seed);
    if (!created) {
        return fail(created.error());
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::cout << "seeded " << *created << " deals in " << took.count() << " s" << std::endl;
    return 0;
}

/// `dealsctl broker`.
struct BrokerCommand {
    CLI::App* cmd = nullptr;
    int partitions = 4;
    std::string topic = "deals.events";
};

void add_broker_command(CLI::App& cli, BrokerCommand& c) {
    c.cmd = cli.add_subcommand(
        "broker", "Run a development Kafka broker (in memory) until SIGTERM; prints its address");
    c.cmd->add_option("--partitions", c.partitions, "Partitions of the topic")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    c.cmd->add_option("--topic", c.topic, "Topic to create")->capture_default_str();
}

/// `dealsctl tail`.
struct TailCommand {
    CLI::App* cmd = nullptr;
    store::KafkaConsumer::Options options;
    std::vector<std::string> config;
    long limit = 0;
    double idle = 0;
};

void add_tail_command(CLI::App& cli, TailCommand& c) {
    c.cmd = cli.add_subcommand(
        "tail", "Print the events on the Kafka topic, one CloudEvents JSON per line");
    c.cmd->add_option("--kafka", c.options.brokers, "HOST:PORT[,HOST:PORT…]")->required();
    c.cmd->add_option("--topic", c.options.topic, "Topic")->capture_default_str();
    c.cmd->add_flag("--from-beginning", c.options.from_beginning,
                    "Start at the oldest message (default: only new ones)");
    c.cmd->add_option("--kafka-config", c.config, "librdkafka setting key=value, repeatable");
    c.cmd->add_option("--limit", c.limit, "Stop after this many events");
    c.cmd->add_option("--idle-exit", c.idle, "Stop after this many seconds without an event");
}

int tail_topic(TailCommand& c) {
    auto config = store::parse_kafka_config(c.config);
    if (!config) {
        return fail(config.error());
    }
    c.options.config = std::move(*config);
    return run_tail(c.options, c.limit, c.idle);
}

/// The auditors' commands: read-only, through store::LogReader, so they work while dealsd runs
/// (and never open the Store).
struct AuditCommands {
    tools::EventsCommand events;
    tools::VerifyCommand verify;
    tools::ReplayCommand replay;
    tools::ExportCommand exporter;
    CLI::App* events_cmd = nullptr;
    CLI::App* verify_cmd = nullptr;
    CLI::App* replay_cmd = nullptr;
    CLI::App* export_cmd = nullptr;
};

void add_audit_commands(CLI::App& cli, AuditCommands& c) {
    c.events_cmd = tools::add_events_command(cli, c.events);
    c.verify_cmd = tools::add_verify_command(cli, c.verify);
    c.replay_cmd = tools::add_replay_command(cli, c.replay);
    c.export_cmd = tools::add_export_command(cli, c.exporter);
}

/// The audit command given, run; nothing when none was.
std::optional<int> run_audit_command(const std::string& data_dir, const AuditCommands& c) {
    if (*c.events_cmd) {
        return tools::run_events(data_dir, c.events);
    }
    if (*c.verify_cmd) {
        return tools::run_verify(data_dir, c.verify);
    }
    if (*c.replay_cmd) {
        return tools::run_replay(data_dir, c.replay);
    }
    if (*c.export_cmd) {
        return tools::run_export(data_dir, c.exporter);
    }
    return std::nullopt;
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

    UserCommands user;
    add_user_commands(cli, user);
    TokenCommand token;
    add_token_command(cli, token);
    SeedCommand seed;
    add_seed_command(cli, seed);
    BrokerCommand broker;
    add_broker_command(cli, broker);
    TailCommand tail;
    add_tail_command(cli, tail);
    tools::RebuildCommand rebuild;
    auto* rebuild_cmd = tools::add_rebuild_command(cli, rebuild);
    AuditCommands audit;
    add_audit_commands(cli, audit);

    CLI11_PARSE(cli, argc, argv);

    if (const auto status = run_audit_command(data_dir, audit)) {
        return *status;
    }
    if (*rebuild_cmd) {
        return tools::run_rebuild(data_dir, rebuild);
    }
    if (*broker.cmd) {
        return run_broker(broker.partitions, broker.topic);
    }
    if (*tail.cmd) {
        return tail_topic(tail);
    }

    auto store = store::Store::open({.data_dir = data_dir,
                                     .min_free_bytes = min_free_mb << 20,
                                     .clock = events::Timestamp::system_now});
    if (!store) {
        return fail(store.error());
    }
    int rc = 0;
    if (*user.add) {
        user.new_user.deals_scope = *events::parse_deals_scope(user.scope);
        user.new_user.access_api = !user.no_api;
        rc = add_user(**store, user.new_user);
    } else if (*user.list) {
        rc = list_users(**store);
    } else if (*token.issue) {
        rc = issue_token(**store, token.user, token.name);
    } else if (*seed.cmd) {
        rc = seed_deals(**store, seed);
    }
    (*store)->close();
    return rc;
}
