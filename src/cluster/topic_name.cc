#include "cluster/topic_name.h"

#include <fmt/format.h>

namespace sluice::cluster {

result<void> validate_topic_name(std::string_view name) {
  if (name.empty()) return fail(errc::invalid_topic, "Topic name is illegal, it can't be empty");
  if (name == "." || name == "..")
    return fail(errc::invalid_topic, "Topic name cannot be \".\" or \"..\"");
  if (name.size() > max_topic_name_length)
    return fail(errc::invalid_topic,
                fmt::format("Topic name is illegal, it can't be longer than {} characters, "
                            "topic name: {}",
                            max_topic_name_length, name));
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return fail(errc::invalid_topic,
                  fmt::format("Topic name \"{}\" is illegal, it contains a character other than "
                              "ASCII alphanumerics, '.', '_' and '-'",
                              name));
  }
  return ok_v;
}

bool is_internal_topic(std::string_view name) {
  return name == consumer_offsets_topic || name == transaction_state_topic ||
         name == share_group_state_topic;
}

std::string unify_collision_chars(std::string_view name) {
  std::string out(name);
  for (auto& c : out)
    if (c == '.') c = '_';
  return out;
}

bool has_collision_chars(std::string_view name) {
  return name.find_first_of("._") != std::string_view::npos;
}

}  // namespace sluice::cluster
