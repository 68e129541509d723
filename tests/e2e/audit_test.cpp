// dealsctl events / verify / replay / export: the auditors' commands, against a stopped data
// directory, a tampered one (RocksDB written directly), and a dealsd serving writes.

#include <fcntl.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "support/json.hpp"
#include "support/sha256.hpp"
#include "tests/e2e/e2e_helpers.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/raw_database.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::e2e;

namespace {

struct Ran {
    int status = -1;
    std::string out;
    std::string err;
    [[nodiscard]] std::vector<std::string> lines() const {
        std::vector<std::string> v;
        std::istringstream in(out);
        for (std::string l; std::getline(in, l);) {
            v.push_back(l);
        }
        return v;
    }
};

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') {
            q += "'\\''";
        } else {
            q.push_back(c);
        }
    }
    return q + "'";
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Runs `dealsctl --data-dir DIR ARGS…` to the end, with its whole stdout and stderr.
Ran ctl(const std::string& dir, const std::vector<std::string>& args) {
    static std::atomic<int> counter{0};
    const auto base =
        std::filesystem::temp_directory_path() /
        ("audit-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::string command = quote(DEALS_DEALSCTL) + " --data-dir " + quote(dir);
    for (const auto& a : args) {
        command += " " + quote(a);
    }
    command += " >" + quote(base.string() + ".out") + " 2>" + quote(base.string() + ".err");
    const int raw = std::system(command.c_str());
    Ran r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
    r.out = slurp(base.string() + ".out");
    r.err = slurp(base.string() + ".err");
    std::filesystem::remove(base.string() + ".out");
    std::filesystem::remove(base.string() + ".err");
    return r;
}

/// How `dealsctl` ended when its standard output was a pipe nobody reads.
struct Unread {
    bool exited = false;  // false: killed by a signal
    int status = -1;      // the exit status, or the signal
    std::string err;
};

/// Runs `dealsctl --data-dir DIR ARGS…` with its standard output a pipe whose reading end is
/// already closed (`dealsctl … | head` once head has gone), so that its first write fails.
Unread into_closed_pipe(const std::string& dir, const std::vector<std::string>& args) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    ::close(fds[0]);
    std::vector<std::string> all{DEALS_DEALSCTL, "--data-dir", dir};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const std::string err_path = dir + "/unread.err";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    const int spawned =
        ::posix_spawn(&pid, DEALS_DEALSCTL, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    REQUIRE(spawned == 0);
    int raw = 0;
    REQUIRE(::waitpid(pid, &raw, 0) == pid);
    Unread u;
    u.exited = WIFEXITED(raw);
    u.status = u.exited ? WEXITSTATUS(raw) : WTERMSIG(raw);
    u.err = slurp(err_path);
    std::filesystem::remove(err_path);
    return u;
}

json::Document parse(const std::string& text) {
    json::Document doc;
    doc.Parse(text.data(), text.size());
    REQUIRE_FALSE(doc.HasParseError());
    return doc;
}

/// A deal's JSON without the keys that depend on the moment it is rendered.
std::string timeless(const std::string& deal_json) {
    json::Document doc;
    doc.Parse<json::kExactNumbers>(deal_json.data(), deal_json.size());
    REQUIRE_FALSE(doc.HasParseError());
    doc.RemoveMember("time_in_stages");
    doc.RemoveMember("falls_behind_expected_close_date");
    json::Buffer buffer;
    json::Writer w(buffer);
    doc.Accept(w);
    return {buffer.GetString(), buffer.GetSize()};
}

/// The sequences of `events` output lines.
std::vector<std::uint64_t> sequences(const Ran& r) {
    std::vector<std::uint64_t> out;
    for (const auto& line : r.lines()) {
        const auto doc = parse(line);
        out.push_back(doc["sequence"].GetUint64());
    }
    return out;
}

/// A stopped data directory with a few hundred events.
void seed(const std::string& dir, int deals) {
    int status = 0;
    run_dealsctl(dir, {"seed", "--deals", std::to_string(deals), "--no-progress"}, status);
    REQUIRE(status == 0);
}

/// Changes the stored log directly (the server stopped).
template <class F>
void with_db(const std::string& dir, F&& change) {
    auto db = testing::open_raw_database(dir);
    change(db);
    REQUIRE(db.close().ok());
}

std::string stored(store::Database& db, std::uint64_t sequence) {
    std::string value;
    REQUIRE(db->Get(rocksdb::ReadOptions{}, db.log(), store::keys::event(sequence), &value).ok());
    return value;
}

void put(store::Database& db, std::uint64_t sequence, const std::string& value) {
    REQUIRE(db->Put(rocksdb::WriteOptions{}, db.log(), store::keys::event(sequence), value).ok());
}

/// A minimal RFC 4180 reader.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field.push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field.push_back(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            row.push_back(std::move(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
            ++i;
        } else {
            field.push_back(c);
        }
    }
    REQUIRE_FALSE(quoted);
    REQUIRE(field.empty());
    REQUIRE(row.empty());
    return rows;
}

}  // namespace

TEST_CASE("verify: intact log, then one changed byte, a changed prev_hash, a missing record",
          "[e2e][audit]") {
    TempDir origin;
    seed(origin.path(), 200);

    const auto intact = ctl(origin.path(), {"verify"});
    INFO(intact.out << intact.err);
    REQUIRE(intact.status == 0);
    CHECK_THAT(intact.out, Catch::StartsWith("intact: "));
    CHECK_THAT(intact.out, Catch::Contains("events/s"));
    const auto json = ctl(origin.path(), {"verify", "--json"});
    REQUIRE(json.status == 0);
    const auto report = parse(json.out);
    CHECK(report["intact"].GetBool());
    const auto head = report["head"]["sequence"].GetUint64();
    CHECK(report["verified"].GetUint64() == head);
    CHECK(head > 200);

    // The hash an auditor recorded at sequence 50 (the record's own, as GET /api/audit/head
    // would have said then).
    std::string hash50;
    std::string hash49;
    std::string hash100;
    with_db(origin.path(), [&](store::Database& db) {
        hash50 = std::string(store::split_record(stored(db, 50)).hash);
        hash49 = std::string(store::split_record(stored(db, 49)).hash);
        hash100 = std::string(store::split_record(stored(db, 100)).hash);
    });
    CHECK(ctl(origin.path(), {"verify", "--expect-hash", hash50, "--at", "50"}).status == 0);
    const auto wrong =
        ctl(origin.path(), {"verify", "--expect-hash", std::string(64, 'a'), "--at", "50"});
    CHECK(wrong.status == 1);
    CHECK_THAT(wrong.out, Catch::Contains("NOT intact: sequence 50: hash is " + hash50));
    // Resumed from a head verified before (sequence 50 and its hash): from there to the head.
    const auto resumed =
        ctl(origin.path(), {"verify", "--from", "50", "--at", "50", "--expect-hash", hash50});
    CHECK(resumed.status == 0);
    CHECK_THAT(resumed.out, Catch::Contains("intact: " + std::to_string(head - 49) +
                                            " events, sequences 50-" + std::to_string(head)));
    // A hash recorded for another sequence is not the one at 50.
    const auto resumed_wrong =
        ctl(origin.path(), {"verify", "--from", "50", "--at", "50", "--expect-hash", hash49});
    CHECK(resumed_wrong.status == 1);
    CHECK_THAT(resumed_wrong.out, Catch::Contains("NOT intact: sequence 50: hash is " + hash50 +
                                                  ", not the expected " + hash49));

    const auto copy = [&](const std::string& to) {
        std::filesystem::copy(origin.path(), to,
                              std::filesystem::copy_options::recursive |
                                  std::filesystem::copy_options::overwrite_existing);
    };

    SECTION("one byte of one stored body") {
        TempDir dir;
        copy(dir.path());
        with_db(dir.path(), [](store::Database& db) {
            std::string r = stored(db, 100);
            const auto at = r.find("\"data\":{") + 9;
            r[at] = r[at] == 'x' ? 'y' : 'x';
            put(db, 100, r);
        });
        const auto bad = ctl(dir.path(), {"verify"});
        INFO(bad.out << bad.err);
        CHECK(bad.status == 1);
        CHECK_THAT(bad.out, Catch::Contains("NOT intact: sequence 100: hash does not recompute"));
        CHECK_THAT(bad.out, Catch::Contains("verified before it: 99 events"));
        const auto j = parse(ctl(dir.path(), {"verify", "--json"}).out);
        CHECK_FALSE(j["intact"].GetBool());
        CHECK(j["failed_sequence"].GetUint64() == 100);
        // From after the change, trusting the stored prev_hash of 101: intact (documented).
        const auto after = ctl(dir.path(), {"verify", "--from", "101"});
        CHECK(after.status == 0);
        CHECK_THAT(after.out, Catch::Contains("trusting its stored prev_hash"));
        CHECK(ctl(dir.path(), {"verify", "--from", "99"}).status == 1);
        // Resumed from 100 with the hash recorded there before the change: caught at 100.
        const auto resumed =
            ctl(dir.path(), {"verify", "--from", "100", "--at", "100", "--expect-hash", hash100});
        CHECK(resumed.status == 1);
        CHECK_THAT(resumed.out,
                   Catch::Contains("NOT intact: sequence 100: hash does not recompute"));
    }
    SECTION("a stored prev_hash") {
        TempDir dir;
        copy(dir.path());
        with_db(dir.path(), [](store::Database& db) {
            std::string r = stored(db, 120);
            const auto parts = store::split_record(r);
            std::string prev(parts.prev_hash);
            prev[10] = prev[10] == '0' ? '1' : '0';
            put(db, 120, store::make_record(parts.body, prev, parts.hash));
        });
        const auto bad = ctl(dir.path(), {"verify"});
        INFO(bad.out << bad.err);
        CHECK(bad.status == 1);
        CHECK_THAT(bad.out, Catch::Contains("NOT intact: sequence 120: prev_hash"));
        CHECK_THAT(bad.out, Catch::Contains("is not the hash of sequence 119"));
    }
    SECTION("a record rewritten with its hash recomputed breaks the link to the next") {
        TempDir dir;
        copy(dir.path());
        with_db(dir.path(), [](store::Database& db) {
            const std::string r = stored(db, 130);
            const auto parts = store::split_record(r);
            std::string body(parts.body);
            body.replace(body.find("\"data\":{"), 8, "\"data\":{ ");
            put(db, 130,
                store::make_record(body, parts.prev_hash,
                                   support::sha256_hex(parts.prev_hash, body)));
        });
        const auto bad = ctl(dir.path(), {"verify"});
        CHECK(bad.status == 1);
        CHECK_THAT(bad.out, Catch::Contains("NOT intact: sequence 131: prev_hash"));
    }
    SECTION("a deleted record (a gap)") {
        TempDir dir;
        copy(dir.path());
        with_db(dir.path(), [](store::Database& db) {
            REQUIRE(db->Delete(rocksdb::WriteOptions{}, db.log(), store::keys::event(150)).ok());
        });
        const auto bad = ctl(dir.path(), {"verify"});
        INFO(bad.out << bad.err);
        CHECK(bad.status == 1);
        CHECK_THAT(bad.out,
                   Catch::Contains("NOT intact: sequence 150: missing: the next stored record is "
                                   "sequence 151"));
    }
    SECTION("the first record deleted") {
        TempDir dir;
        copy(dir.path());
        with_db(dir.path(), [](store::Database& db) {
            REQUIRE(db->Delete(rocksdb::WriteOptions{}, db.log(), store::keys::event(1)).ok());
        });
        const auto bad = ctl(dir.path(), {"verify"});
        CHECK(bad.status == 1);
        CHECK_THAT(bad.out, Catch::Contains("NOT intact: sequence 1: missing"));
    }
    SECTION("a body whose sequence is not its key's") {
        TempDir dir;
        copy(dir.path());
        with_db(dir.path(), [](store::Database& db) {
            // Sequence 160's record stored again under key 161, chained correctly after 160:
            // every hash recomputes and links, only the body's sequence gives it away.
            const std::string r160 = stored(db, 160);  // split_record's parts view it
            const auto p160 = store::split_record(r160);
            const std::string body(p160.body);
            const std::string hash = support::sha256_hex(p160.hash, body);
            put(db, 161, store::make_record(body, p160.hash, hash));
        });
        const auto bad = ctl(dir.path(), {"verify"});
        CHECK(bad.status == 1);
        CHECK_THAT(bad.out,
                   Catch::Contains("NOT intact: sequence 161: the body says sequence 160"));
    }
}

TEST_CASE("events: the log as section 16 envelopes, filtered", "[e2e][audit]") {
    TempDir dir;
    seed(dir.path(), 50);
    const auto all = ctl(dir.path(), {"events"});
    REQUIRE(all.status == 0);
    const auto seqs = sequences(all);
    REQUIRE_FALSE(seqs.empty());
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        REQUIRE(seqs[i] == i + 1);
    }
    // Each line is the envelope: the stored body with prev_hash and hash appended.
    const auto first = parse(all.lines().front());
    CHECK(first["prev_hash"].GetString() == std::string(64, '0'));
    CHECK(std::string(first["hash"].GetString()).size() == 64);
    with_db(dir.path(), [&](store::Database& db) {
        CHECK(all.lines()[9] == store::envelope_json(stored(db, 10)));
    });

    const auto stream = ctl(dir.path(), {"events", "--stream", "deal-3"});
    REQUIRE(stream.status == 0);
    REQUIRE_FALSE(stream.lines().empty());
    for (const auto& line : stream.lines()) {
        CHECK(std::string(parse(line)["stream"].GetString()) == "deal-3");
    }
    const auto created = ctl(dir.path(), {"events", "--type", "DealCreated"});
    CHECK(created.lines().size() == 50);
    const auto range = ctl(dir.path(), {"events", "--from", "5", "--until", "9"});
    CHECK(sequences(range) == std::vector<std::uint64_t>{5, 6, 7, 8, 9});
    const auto until_time =
        ctl(dir.path(), {"events", "--until", std::string(first["occurred_at"].GetString())});
    CHECK_FALSE(until_time.lines().empty());
    CHECK(ctl(dir.path(), {"events", "--until", "2000-01-01"}).lines().empty());
    CHECK(ctl(dir.path(), {"events", "--until", "yesterday"}).status != 0);
}

TEST_CASE("events and export into a pipe nobody reads stop, and exit 141 as SIGPIPE would",
          "[e2e][audit]") {
    TempDir dir;
    seed(dir.path(), 3000);  // an export of more than the 1 MiB the output buffers
    for (const std::vector<std::string>& args : {std::vector<std::string>{"events"},
                                                 {"events", "--limit", "1"},
                                                 {"events", "--type", "DealCreated"}}) {
        const auto u = into_closed_pipe(dir.path(), args);
        INFO(args.back() << ": " << u.err);
        CHECK(u.exited);
        CHECK(u.status == 128 + SIGPIPE);
        CHECK(u.err.empty());  // no error, and no "events: N printed"
    }
    const auto exported = into_closed_pipe(dir.path(), {"export", "--format", "jsonl"});
    INFO(exported.err);
    CHECK(exported.exited);
    CHECK(exported.status == 128 + SIGPIPE);
    CHECK_THAT(exported.err, Catch::StartsWith("export: views of checkpoint"));
    CHECK_THAT(exported.err, !Catch::Contains("error"));
}

TEST_CASE("replay names the gap in the log, events --until a time the record without a time",
          "[e2e][audit]") {
    TempDir dir;
    seed(dir.path(), 50);
    const auto head = ctl(dir.path(), {"events"}).lines().size();
    REQUIRE(head > 50);

    SECTION("a deleted record") {
        with_db(dir.path(), [](store::Database& db) {
            REQUIRE(db->Delete(rocksdb::WriteOptions{}, db.log(), store::keys::event(30)).ok());
        });
        const auto replay = ctl(dir.path(), {"replay", "--as-of", std::to_string(head)});
        CHECK(replay.status == 1);
        CHECK(replay.out.empty());
        CHECK_THAT(replay.err,
                   Catch::EndsWith("error: the log has a gap: sequence 30 is missing\n"));
        CHECK(ctl(dir.path(), {"replay", "--as-of", "29"}).status == 0);
    }
    SECTION("a record without occurred_at") {
        with_db(dir.path(), [](store::Database& db) {
            std::string r = stored(db, 10);
            r.replace(r.find("\"occurred_at\""), 13, "\"occurred_on\"");
            put(db, 10, r);
        });
        const auto events = ctl(dir.path(), {"events", "--until", "2099-01-01"});
        CHECK(events.status == 1);
        CHECK(events.lines().size() == 9);  // the records before it
        CHECK(events.err == "error: the record at sequence 10 is corrupt (no occurred_at)\n");
        CHECK(ctl(dir.path(), {"events", "--until", "2099-01-01", "--limit", "9"}).status == 0);
    }
    const auto as_of = ctl(dir.path(), {"replay", "--as-of", "99999999999999999999999"});
    CHECK(as_of.status == 1);
    CHECK(as_of.err ==
          "error: --as-of wants a sequence or a time (ISO-8601), not "
          "'99999999999999999999999'\n");
}

TEST_CASE("events and verify while dealsd serves writes; replay and export match the API",
          "[e2e][audit]") {
    TempDir dir;
    const std::string token = admin_token(dir.path());
    auto server = start_dealsd(dir.path(), {"--kafka", "off"});
    HttpClient client(server.port, token);

    // A custom field, so that the exports carry a cf_ column.
    REQUIRE(client
                .post("/api/custom-fields",
                      R"({"resource_name":"deals","field_id":"cf_tier","label":"Tier",)"
                      R"("field_type":"Text"})")
                .status == 201);
    const std::string tricky = "Acme, \"Big\"\nDeal";
    auto made =
        client.post("/api/deals", R"({"name":"Acme, \"Big\"\nDeal","stage_id":1,)"
                                  R"("amount":"1250.50","expected_close_date":"2099-12-31",)"
                                  R"("cf_tier":"gold","contacts":[3,4]})");
    REQUIRE(made.status == 201);
    REQUIRE(client.post("/api/deals", R"({"name":"Second","stage_id":2})").status == 201);
    REQUIRE(client.put("/api/deals/2", R"({"status":"won"})").status == 200);

    // The point an auditor notes, and what the API shows there.
    const auto noted = ctl(dir.path(), {"verify", "--json"});
    REQUIRE(noted.status == 0);
    const auto at = parse(noted.out)["head"]["sequence"].GetUint64();
    std::map<int, std::string> shown;
    for (int id : {1, 2}) {
        auto res = client.get("/api/deals/" + std::to_string(id));
        REQUIRE(res.status == 200);
        shown[id] = res.body;
    }

    // Then writers, with events and verify run against the same directory meanwhile.
    std::atomic<bool> stop{false};
    std::atomic<int> created{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
        writers.emplace_back([&, w] {
            HttpClient c(server.port, token);
            for (int i = 0; !stop; ++i) {
                auto r = c.post("/api/deals", R"({"name":"W)" + std::to_string(w) + "-" +
                                                  std::to_string(i) + R"(","stage_id":1})");
                if (r.status == 201) {
                    ++created;
                }
            }
        });
    }
    for (int round = 0; round < 4; ++round) {
        while (created < 150 * (round + 1)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        const auto seen = ctl(dir.path(), {"events"});
        INFO(seen.err);
        REQUIRE(seen.status == 0);
        const auto seqs = sequences(seen);
        REQUIRE(seqs.size() >= at);
        for (std::size_t i = 0; i < seqs.size(); ++i) {
            REQUIRE(seqs[i] == i + 1);  // a gapless prefix of the log
        }
        const auto verified = ctl(dir.path(), {"verify", "--json"});
        INFO(verified.out << verified.err);
        REQUIRE(verified.status == 0);
        CHECK(parse(verified.out)["verified"].GetUint64() >= seqs.size());
    }
    stop = true;
    for (auto& t : writers) {
        t.join();
    }
    REQUIRE(client.put("/api/deals/1", R"({"name":"Renamed later"})").status == 200);
    REQUIRE(client.del("/api/deals/2").status == 204);

    SECTION("replay --as-of the noted sequence gives what the API showed then") {
        const auto replay = ctl(dir.path(), {"replay", "--as-of", std::to_string(at)});
        INFO(replay.err);
        REQUIRE(replay.status == 0);
        const auto lines = replay.lines();
        REQUIRE(lines.size() == 2);
        CHECK(timeless(lines[0]) == timeless(shown[1]));
        CHECK(timeless(lines[1]) == timeless(shown[2]));
        const auto one = ctl(dir.path(), {"replay", "--as-of", std::to_string(at), "--deal", "2"});
        REQUIRE(one.status == 0);
        CHECK(timeless(one.out.substr(0, one.out.size() - 1)) == timeless(shown[2]));
        const auto later =
            ctl(dir.path(), {"replay", "--as-of", std::to_string(at), "--deal", "3"});
        CHECK(later.status == 1);
        CHECK_THAT(later.err, Catch::Contains("deal 3 did not exist"));
        const auto before = ctl(dir.path(), {"replay", "--as-of", "2000-01-01"});
        CHECK(before.status == 0);
        CHECK(before.out.empty());
    }
    SECTION("export jsonl is GET /api/deals/{id}; csv parses back") {
        const auto jsonl = ctl(dir.path(), {"export", "--format", "jsonl"});
        INFO(jsonl.err);
        REQUIRE(jsonl.status == 0);
        const auto lines = jsonl.lines();
        REQUIRE(lines.size() == static_cast<std::size_t>(created) + 1);  // deal 2 is trashed
        for (const auto& line : lines) {
            const auto id = parse(line)["id"].GetInt64();
            auto res = client.get("/api/deals/" + std::to_string(id));
            REQUIRE(res.status == 200);
            REQUIRE(timeless(line) == timeless(res.body));
        }
        const auto trashed = ctl(dir.path(), {"export", "--trashed"});
        REQUIRE(trashed.lines().size() == 1);
        CHECK(parse(trashed.out)["id"].GetInt64() == 2);

        // The tricky name, in a deal created now (deal 1 was renamed).
        REQUIRE(client.put("/api/deals/1", R"({"name":"Acme, \"Big\"\nDeal"})").status == 200);
        const auto csv = ctl(dir.path(), {"export", "--format", "csv"});
        REQUIRE(csv.status == 0);
        const auto rows = parse_csv(csv.out);
        REQUIRE(rows.size() == lines.size() + 1);
        const auto& header = rows.front();
        CHECK(header.front() == "id");
        CHECK(std::find(header.begin(), header.end(), "cf_tier") != header.end());
        CHECK(header.back() == "activities");
        for (const auto& row : rows) {
            REQUIRE(row.size() == header.size());
        }
        const auto col = [&](const char* name) {
            return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) -
                                            header.begin());
        };
        const auto& acme = rows[1];
        CHECK(acme[col("id")] == "1");
        CHECK(acme[col("name")] == tricky);
        CHECK(acme[col("amount")] == "1250.5");
        CHECK(acme[col("cf_tier")] == "gold");
        CHECK(acme[col("contacts")] == "3;4");
        CHECK(acme[col("stage")] == "Qualified To Buy");
        CHECK(acme[col("pipeline")] == "Sales Pipeline");
    }
    server.process->kill(SIGTERM);
    CHECK(server.process->wait() == 0);
}
