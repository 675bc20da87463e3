#include "storage/leader_epoch_cache.h"

#include <charconv>

#include "storage/checkpoint_file.h"

namespace sluice::storage {

bool leader_epoch_cache::assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0 || start_offset < 0) return false;
  if (!entries_.empty() && entries_.back().epoch == epoch &&
      entries_.back().start_offset <= start_offset)
    return false;
  while (!entries_.empty() &&
         (entries_.back().epoch >= epoch || entries_.back().start_offset >= start_offset))
    entries_.pop_back();
  entries_.push_back(entry{epoch, start_offset});
  return true;
}

leader_epoch_cache::epoch_end leader_epoch_cache::end_offset_for(int32_t epoch,
                                                                 int64_t log_end_offset) const {
  if (epoch == undefined_epoch || entries_.empty()) return {undefined_epoch, undefined_offset};
  if (epoch == entries_.back().epoch) return {epoch, log_end_offset};
  // First entry with an epoch above the requested one: the requested epoch ended where it began.
  size_t higher = 0;
  while (higher < entries_.size() && entries_[higher].epoch <= epoch) ++higher;
  if (higher == entries_.size()) return {undefined_epoch, undefined_offset};
  if (higher == 0) return {epoch, entries_[0].start_offset};
  return {entries_[higher - 1].epoch, entries_[higher].start_offset};
}

std::optional<int32_t> leader_epoch_cache::epoch_for_offset(int64_t offset) const {
  std::optional<int32_t> out;
  for (const auto& e : entries_) {
    if (e.start_offset > offset) break;
    out = e.epoch;
  }
  return out;
}

std::optional<leader_epoch_cache::entry> leader_epoch_cache::latest() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

std::optional<leader_epoch_cache::entry> leader_epoch_cache::earliest() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.front();
}

bool leader_epoch_cache::truncate_from_end(int64_t end_offset) {
  bool changed = false;
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) {
    entries_.pop_back();
    changed = true;
  }
  return changed;
}

bool leader_epoch_cache::truncate_from_start(int64_t start_offset) {
  // The last entry starting at or before start_offset survives, moved to start_offset.
  size_t keep = 0;
  while (keep + 1 < entries_.size() && entries_[keep + 1].start_offset <= start_offset) ++keep;
  if (entries_.empty() || entries_[keep].start_offset > start_offset) return false;
  bool changed = keep > 0 || entries_[keep].start_offset != start_offset;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(keep));
  entries_.front().start_offset = start_offset;
  return changed;
}

result<leader_epoch_cache> leader_epoch_cache::read(file_io& io, const std::string& path) {
  auto lines = read_checkpoint_lines(io, path);
  if (!lines) return std::move(lines).error();
  std::vector<entry> entries;
  for (const auto& line : *lines) {
    auto space = line.find(' ');
    int32_t epoch = 0;
    int64_t offset = 0;
    if (space == std::string::npos) return fail(errc::corrupt_file, path + ": bad entry " + line);
    auto e1 = std::from_chars(line.data(), line.data() + space, epoch);
    auto e2 = std::from_chars(line.data() + space + 1, line.data() + line.size(), offset);
    if (e1.ec != std::errc() || e1.ptr != line.data() + space || e2.ec != std::errc() ||
        e2.ptr != line.data() + line.size() || epoch < 0 || offset < 0)
      return fail(errc::corrupt_file, path + ": bad entry " + line);
    if (!entries.empty() &&
        (epoch <= entries.back().epoch || offset <= entries.back().start_offset))
      return fail(errc::corrupt_file, path + ": entries do not increase");
    entries.push_back(entry{epoch, offset});
  }
  return leader_epoch_cache(std::move(entries));
}

result<void> leader_epoch_cache::write(file_io& io, const std::string& path, bool durable) const {
  std::vector<std::string> lines;
  lines.reserve(entries_.size());
  for (const auto& e : entries_)
    lines.push_back(std::to_string(e.epoch) + " " + std::to_string(e.start_offset));
  return write_checkpoint_lines(io, path, lines, durable);
}

}  // namespace sluice::storage
