#include "store/log_reader.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "store/codec.hpp"
#include "store/database.hpp"
#include "store/keys.hpp"
#include "store/rocks_event_log.hpp"
#include "store/view_io.hpp"
#include "support/json.hpp"

namespace deals::store {

struct LogReader::Impl {
    std::string data_dir;
    std::string secondary_dir;  // ours, removed on close
    Database db;

    ~Impl() {
        (void)db.close();
        if (!secondary_dir.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(secondary_dir, ec);
        }
    }

    static bool is_event_key(const rocksdb::Slice& key) {
        return key.size() == 9 && key[0] == keys::kEvent;
    }

    static events::Sequence sequence_of(const rocksdb::Slice& key) {
        return keys::get_be64(key.ToStringView().substr(1));
    }

    static rocksdb::ReadOptions scan_options() {
        rocksdb::ReadOptions options;
        options.fill_cache = false;        // one pass over the log: do not keep its blocks
        options.readahead_size = 8 << 20;  // large sequential reads
        options.adaptive_readahead = true;
        return options;
    }
};

namespace {

void check(const rocksdb::Status& status, const char* what) {
    if (!status.ok()) {
        throw std::runtime_error(std::string(what) + ": " + status.ToString());
    }
}


}  // namespace

LogReader::LogReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LogReader::~LogReader() = default;

Result<std::unique_ptr<LogReader>> LogReader::open(const std::string& data_dir) {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(data_dir) / "CURRENT", ec)) {
        return unavailable("no data directory at " + data_dir);
    }
    auto impl = std::make_unique<Impl>();
    impl->data_dir = data_dir;
    std::string pattern =
        (std::filesystem::temp_directory_path(ec) / "dealsctl-secondary-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        return unavailable("cannot make a temporary directory for the reader");
    }
    impl->secondary_dir = pattern;
    rocksdb::Options options;
    // Every table file is opened once and kept open, so that the server's compactions
    // deleting files cannot pull them from under a long read.
    options.max_open_files = -1;
    options.create_if_missing = false;
    const auto status = Database::open(data_dir, options, Database::Access::kSecondary, impl->db,
                                       impl->secondary_dir);
    if (!status.ok()) {
        return unavailable("cannot open the data directory " + data_dir +
                           " for reading: " + status.ToString());
    }
    std::unique_ptr<LogReader> reader(new LogReader(std::move(impl)));
    if (auto caught = reader->catch_up(); !caught) {
        Error error = caught.error();
        return error;
    }
    return reader;
}

Result<void> LogReader::catch_up() {
    auto status = impl_->db->TryCatchUpWithPrimary();
    if (status.ok()) {
        status = impl_->db.locate_records();  // a first start may have moved them meanwhile
    } else if (status.ToString().find("unknown column family") != std::string::npos) {
        return unavailable("the data directory " + impl_->data_dir +
                           " changed its column families while this reader was open (a first "
                           "start moved the log's records into their own): open it again");
    }
    if (!status.ok()) {
        return unavailable("cannot catch up with the data directory " + impl_->data_dir + ": " +
                           status.ToString());
    }
    return {};
}

LogHead LogReader::head() const {
    LogHead head{0, kGenesisHash};
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(rocksdb::ReadOptions{}, impl_->db.log()));
    it->SeekForPrev(keys::event(~0ULL));
    if (it->Valid() && Impl::is_event_key(it->key())) {
        head.sequence = Impl::sequence_of(it->key());
        head.hash = std::string(split_record(it->value().ToStringView()).hash);
    }
    check(it->status(), "reading the head");
    return head;
}

std::optional<StoredRecord> LogReader::record(events::Sequence sequence) const {
    std::string value;
    const auto status =
        impl_->db->Get(rocksdb::ReadOptions{}, impl_->db.log(), keys::event(sequence), &value);
    if (status.IsNotFound()) {
        return std::nullopt;
    }
    check(status, "reading a record");
    return StoredRecord{sequence, std::move(value)};
}

void LogReader::scan(events::Sequence from,
                     const std::function<bool(events::Sequence, std::string_view)>& visit) const {
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(Impl::scan_options(), impl_->db.log()));
    for (it->Seek(keys::event(from)); it->Valid() && Impl::is_event_key(it->key()); it->Next()) {
        if (!visit(Impl::sequence_of(it->key()), it->value().ToStringView())) {
            return;
        }
    }
    check(it->status(), "reading the log");
}

std::vector<StoredRecord> LogReader::read_records(events::Sequence from, events::Sequence to,
                                                  std::size_t limit) const {
    std::vector<StoredRecord> out;
    if (from > to || limit == 0) {
        return out;
    }
    scan(from, [&](events::Sequence sequence, std::string_view record) {
        if (sequence > to) {
            return false;
        }
        out.push_back({sequence, std::string(record)});
        return out.size() < limit;
    });
    return out;
}

std::vector<events::RecordedEvent> LogReader::read_range(events::Sequence from, events::Sequence to,
                                                         std::size_t limit) const {
    std::vector<events::RecordedEvent> out;
    if (from > to || limit == 0) {
        return out;
    }
    scan(from, [&](events::Sequence sequence, std::string_view record) {
        if (sequence > to) {
            return false;
        }
        out.push_back(decode_record(record));
        return out.size() < limit;
    });
    return out;
}

std::vector<StoredRecord> LogReader::read_stream_records(const std::string& stream,
                                                         events::StreamVersion from_version,
                                                         std::size_t limit) const {
    std::vector<StoredRecord> out;
    const std::string prefix = keys::stream_prefix(stream);
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions{}));
    for (it->Seek(keys::stream_entry(stream, from_version));
         it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
        const auto sequence = keys::get_be64(it->value().ToStringView());
        auto r = record(sequence);
        if (!r) {
            throw std::runtime_error("the stream index of " + stream + " names sequence " +
                                     std::to_string(sequence) + ", which is not stored");
        }
        out.push_back(std::move(*r));
    }
    check(it->status(), "reading a stream");
    return out;
}

std::vector<events::RecordedEvent> LogReader::read_stream(const std::string& stream,
                                                          events::StreamVersion from_version,
                                                          std::size_t limit) const {
    std::vector<events::RecordedEvent> out;
    for (const auto& r : read_stream_records(stream, from_version, limit)) {
        out.push_back(decode_record(r.bytes));
    }
    return out;
}

events::Sequence LogReader::load_checkpoint(projections::Views& views) const {
    std::string checkpoint;
    const auto status = impl_->db->Get(rocksdb::ReadOptions{}, keys::kCheckpoint, &checkpoint);
    if (status.IsNotFound()) {
        return 0;  // no checkpoint: the views on disk (if any) say nothing; fold the whole log
    }
    check(status, "reading the checkpoint");
    const auto stored = decode_checkpoint(checkpoint);
    try {
        load_all_views(*impl_->db, views);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string("reading the views: ") + e.what());
    }
    const auto sequence = stored.sequence;
    views.load_position(sequence, stored.watermarks);
    return sequence;
}

std::optional<events::Sequence> body_sequence(std::string_view body) {
    constexpr std::string_view kKey = ",\"sequence\":";
    const auto at = body.find(kKey);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::size_t i = at + kKey.size();
    events::Sequence value = 0;
    const std::size_t start = i;
    for (; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i) {
        if (i - start >= 19) {
            return std::nullopt;  // longer than any sequence
        }
        value = value * 10 + static_cast<events::Sequence>(body[i] - '0');
    }
    if (i == start || i >= body.size() || (body[i] != ',' && body[i] != '}')) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::string_view> body_string(std::string_view body, std::string_view key) {
    // A quote inside a JSON string is escaped, so `,"key":"` only matches a real key; the keys
    // asked for come before `data` (the fixed order of encode_body), so the first is the
    // envelope's own.
    std::string pattern = ",\"";
    pattern.append(key).append("\":\"");
    const auto at = body.find(pattern);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const auto start = at + pattern.size();
    const auto end = body.find('"', start);
    if (end == std::string_view::npos) {
        return std::nullopt;
    }
    return body.substr(start, end - start);
}

}  // namespace deals::store
