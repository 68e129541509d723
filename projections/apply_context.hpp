#pragma once

#include "events/event.hpp"
#include "projections/dirty_set.hpp"
#include "projections/id_watermarks.hpp"

namespace deals::projections {

/// What a projection's `apply(const E&, const ApplyContext&)` gets besides the event's data:
/// the recorded event (its time, its stream version), and the two records that every
/// projection keeps up to date for `Views`: the id watermarks and the keys of the views it
/// changed. Lives for one `Views::apply` call, on the thread that applies.
struct ApplyContext {
    const RecordedEvent& event;
    IdWatermarks& watermarks;
    DirtySet& dirty;

    [[nodiscard]] Timestamp at() const { return event.occurred_at; }
    [[nodiscard]] StreamVersion version() const { return event.stream_version; }
};

/// A projection that folds events of type `E` (`Views::apply` hands each event to every
/// projection that does).
template <class Projection, class E>
concept Applies = requires(Projection& projection, const E& event, const ApplyContext& context) {
    projection.apply(event, context);
};

}  // namespace deals::projections
