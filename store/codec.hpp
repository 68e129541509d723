#pragma once

#include <string>
#include <string_view>

#include "events/event.hpp"
#include "projections/views.hpp"

namespace deals::store {

/// The JSON of an event's `data`.
std::string encode_data(const events::Event& event);

/// The envelope without `prev_hash` and `hash`, in a fixed key order: the exact bytes that are
/// hashed and stored. `data_json` is `encode_data(event.data)`.
std::string encode_body(const events::RecordedEvent& event, std::string_view data_json);

/// A stored record: `<body>\n<prev_hash>\n<hash>` (store/README.md).
std::string make_record(std::string_view body, std::string_view prev_hash, std::string_view hash);

/// A stored record taken apart without decoding the body (used to verify the chain).
struct RecordParts {
    std::string_view body;
    std::string_view prev_hash;
    std::string_view hash;
};
/// Throws std::runtime_error when the record is not of that form.
RecordParts split_record(std::string_view record);

/// Decodes a stored record into an event; throws std::runtime_error on corruption or an unknown
/// event type.
events::RecordedEvent decode_record(std::string_view record);

/// Decodes only what folding into views needs: sequence, stream version, time and data (the
/// id, stream, actor, request ids and hashes stay empty). For rebuilds, where decoding is the
/// hot path; same errors as `decode_record`. Parses in place: the record's bytes are changed.
events::RecordedEvent decode_record_for_fold(char* record, std::size_t size);

/// Decodes what a copy of another log's record needs (RocksEventLog::append_copies): what
/// `decode_record_for_fold` decodes, and the stream. Parses a copy of the body made in `scratch`
/// (kept by the caller, so that its memory is reused); same errors as `decode_record`.
events::RecordedEvent decode_record_for_copy(std::string_view record, std::string& scratch);

/// The full envelope of contract §16 (body plus `prev_hash` and `hash`), from a stored record.
std::string envelope_json(std::string_view record);

/// Views as stored JSON, and back (throwing std::runtime_error on corruption).
std::string encode_view(const projections::Deal& v);
std::string encode_view(const projections::Pipeline& v);
std::string encode_view(const projections::Stage& v);
std::string encode_view(const projections::User& v);
std::string encode_view(const projections::Token& v);
std::string encode_view(const projections::Product& v);
std::string encode_view(const projections::CustomField& v);
std::string encode_view(const projections::IdWatermarks& v);
/// A view in the writer's exact form is read front to back, any other through the DOM.
void decode_view(std::string_view json, projections::Deal& out);
void decode_view(std::string_view json, projections::Pipeline& out);
void decode_view(std::string_view json, projections::Stage& out);
void decode_view(std::string_view json, projections::User& out);
void decode_view(std::string_view json, projections::Token& out);
void decode_view(std::string_view json, projections::Product& out);
void decode_view(std::string_view json, projections::CustomField& out);
void decode_view(std::string_view json, projections::IdWatermarks& out);

}  // namespace deals::store
