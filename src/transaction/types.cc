#include "transaction/types.h"

#include <array>
#include <utility>

namespace sluice::transaction {
namespace {

constexpr std::array<std::pair<txn_state, std::string_view>, 8> names = {{
    {txn_state::empty, "Empty"},
    {txn_state::ongoing, "Ongoing"},
    {txn_state::prepare_commit, "PrepareCommit"},
    {txn_state::prepare_abort, "PrepareAbort"},
    {txn_state::complete_commit, "CompleteCommit"},
    {txn_state::complete_abort, "CompleteAbort"},
    {txn_state::dead, "Dead"},
    {txn_state::prepare_epoch_fence, "PrepareEpochFence"},
}};

}  // namespace

std::string_view to_string(txn_state s) {
  for (const auto& [state, name] : names)
    if (state == s) return name;
  return "Unknown";
}

std::optional<txn_state> txn_state_from_name(std::string_view name) {
  for (const auto& [state, n] : names)
    if (n == name) return state;
  return std::nullopt;
}

std::optional<txn_state> txn_state_from_id(int8_t id) {
  if (id < 0 || id > 7) return std::nullopt;
  return static_cast<txn_state>(id);
}

bool transition_allowed(txn_state from, txn_state to) {
  using enum txn_state;
  switch (to) {
    case empty:
      return from == empty || from == complete_commit || from == complete_abort;
    case ongoing:
      return from == ongoing || from == empty || from == complete_commit || from == complete_abort;
    case prepare_commit:
      return from == ongoing;
    case prepare_abort:
      return from == ongoing || from == prepare_epoch_fence;
    case complete_commit:
      return from == prepare_commit;
    case complete_abort:
      return from == prepare_abort || from == prepare_epoch_fence;
    case dead:
      return from == empty || from == complete_commit || from == complete_abort;
    case prepare_epoch_fence:
      return from == ongoing;
  }
  return false;
}

bool expiration_allowed(txn_state s) {
  return s == txn_state::empty || s == txn_state::complete_commit || s == txn_state::complete_abort;
}

}  // namespace sluice::transaction
