#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "events/custom_field_events.hpp"
#include "events/ids.hpp"

namespace deals::events {

/// The port that hands out new ids (store::Store implements it, past the highest id in the
/// log). An id handed out and never used leaves a gap, nothing more.
class IdSource {
public:
    virtual ~IdSource() = default;
    virtual DealId next_deal() = 0;
    virtual UserId next_user() = 0;
    virtual TokenId next_token() = 0;
    virtual ProductId next_product() = 0;
    virtual BillableProductId next_line() = 0;
    virtual PipelineId next_pipeline() = 0;
    /// `count` consecutive stage ids (a pipeline created with its stages); the first of them.
    virtual StageId next_stages(std::int64_t count) = 0;
    virtual CustomFieldId next_custom_field() = 0;
    /// `count` consecutive custom field option ids (unique across fields); the first of them.
    virtual std::int64_t next_options(std::int64_t count) = 0;

    /// Holds a unique name (a custom field's key, say) while one command decides and appends
    /// what creates it, so that two concurrent commands cannot both create it: the views only
    /// show the name once the append is applied. False when another command holds it.
    virtual bool claim(const std::string& name) = 0;
    virtual void release(const std::string& name) = 0;
};

/// Holds a claim on a name (IdSource::claim) for as long as it lives.
class NameClaim {
public:
    NameClaim(IdSource& ids, std::string name)
        : ids_(ids), name_(std::move(name)), held_(ids_.claim(name_)) {}
    ~NameClaim() {
        if (held_) {
            ids_.release(name_);
        }
    }
    NameClaim(const NameClaim&) = delete;
    NameClaim& operator=(const NameClaim&) = delete;
    /// False when another command holds the name.
    [[nodiscard]] bool held() const { return held_; }

private:
    IdSource& ids_;
    std::string name_;
    bool held_;
};

}  // namespace deals::events
