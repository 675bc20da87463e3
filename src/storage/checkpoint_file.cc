#include "storage/checkpoint_file.h"

#include <charconv>

#include "storage/topic_partition.h"

namespace sluice::storage {

namespace {

bool parse_int(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

result<std::vector<std::string>> read_checkpoint_lines(file_io& io, const std::string& path) {
  auto text = read_file(io, path);
  if (!text) return std::move(text).error();
  std::vector<std::string> lines;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos)
      return fail(errc::corrupt_file, path + ": last line has no newline");
    lines.emplace_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  int64_t version = 0;
  int64_t count = 0;
  if (lines.size() < 2 || !parse_int(lines[0], version) || !parse_int(lines[1], count))
    return fail(errc::corrupt_file, path + ": missing version or count");
  if (version != 0) return fail(errc::corrupt_file, path + ": unknown version " + lines[0]);
  if (count < 0 || static_cast<size_t>(count) != lines.size() - 2)
    return fail(errc::corrupt_file, path + ": count " + lines[1] + " does not match " +
                                        std::to_string(lines.size() - 2) + " entries");
  lines.erase(lines.begin(), lines.begin() + 2);
  return lines;
}

result<void> write_checkpoint_lines(file_io& io, const std::string& path,
                                    const std::vector<std::string>& lines, bool durable) {
  std::string text = "0\n" + std::to_string(lines.size()) + "\n";
  for (const auto& line : lines) {
    text += line;
    text += '\n';
  }
  return write_file_atomically(io, path, text, durable);
}

result<offset_map> read_offset_checkpoint(file_io& io, const std::string& path) {
  auto lines = read_checkpoint_lines(io, path);
  if (!lines) return std::move(lines).error();
  offset_map out;
  for (const auto& line : *lines) {
    // "<topic> <partition> <offset>"; topic names have no spaces.
    std::string_view l = line;
    auto s1 = l.find(' ');
    auto s2 = s1 == std::string_view::npos ? s1 : l.find(' ', s1 + 1);
    int64_t partition = 0;
    int64_t offset = 0;
    if (s2 == std::string_view::npos || s1 == 0 ||
        !parse_int(l.substr(s1 + 1, s2 - s1 - 1), partition) ||
        !parse_int(l.substr(s2 + 1), offset) || partition < 0)
      return fail(errc::corrupt_file, path + ": bad entry '" + line + "'");
    out[topic_partition{std::string(l.substr(0, s1)), static_cast<int32_t>(partition)}] = offset;
  }
  return out;
}

result<void> write_offset_checkpoint(file_io& io, const std::string& path,
                                     const offset_map& offsets, bool durable) {
  std::vector<std::string> lines;
  lines.reserve(offsets.size());
  for (const auto& [tp, offset] : offsets)
    lines.push_back(tp.topic + " " + std::to_string(tp.partition) + " " + std::to_string(offset));
  return write_checkpoint_lines(io, path, lines, durable);
}

}  // namespace sluice::storage
