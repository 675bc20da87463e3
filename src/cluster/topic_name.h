// Topic name rules, as Kafka enforces them: 1..249 characters from [a-zA-Z0-9._-], not "." or "..".
// '.' and '_' are interchangeable in metric names, so two topics differing only there collide.
#pragma once

#include <string>
#include <string_view>

#include "cluster/errc.h"

namespace sluice::cluster {

inline constexpr size_t max_topic_name_length = 249;
inline constexpr std::string_view consumer_offsets_topic = "__consumer_offsets";
inline constexpr std::string_view transaction_state_topic = "__transaction_state";
inline constexpr std::string_view share_group_state_topic = "__share_group_state";

// ok, or invalid_topic with the reason as the message (Kafka's wording where it has one).
result<void> validate_topic_name(std::string_view name);

bool is_internal_topic(std::string_view name);

// The name with '.' replaced by '_': two topics with the same form collide.
std::string unify_collision_chars(std::string_view name);
bool has_collision_chars(std::string_view name);

}  // namespace sluice::cluster
