#include "storage/batch_scanner.h"

#include <algorithm>

#include "base/crc32c.h"

namespace sluice::storage {

using protocol::batch_header;

batch_scanner::batch_scanner(file_io& io, int fd, int64_t from, int64_t limit, options opts)
    : io_(io),
      fd_(fd),
      limit_(limit),
      opts_(opts),
      buf_(std::max<size_t>(opts.chunk_size, batch_header::size)),
      position_(from),
      next_(from) {}

bool batch_scanner::stop(status s, std::string why) {
  state_ = s;
  problem_ = std::move(why);
  return false;
}

bool batch_scanner::ensure(int64_t pos, size_t n) {
  if (pos >= buf_start_ &&
      pos + static_cast<int64_t>(n) <= buf_start_ + static_cast<int64_t>(buf_len_))
    return true;
  size_t want =
      static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(buf_.size()), limit_ - pos));
  auto r = io_.pread(fd_, {buf_.data(), want}, pos);
  if (!r) return stop(status::error, r.message());
  buf_start_ = pos;
  buf_len_ = *r;
  if (buf_len_ < n) return stop(status::torn, "file shorter than expected");
  return true;
}

bool batch_scanner::next() {
  if (state_ != status::ok) return false;
  position_ = next_;
  if (position_ >= limit_) return stop(status::end, {});
  int64_t left = limit_ - position_;
  if (left < static_cast<int64_t>(batch_header::size))
    return stop(status::torn, std::to_string(left) + " bytes left, less than a batch header");
  if (!ensure(position_, batch_header::size)) return false;
  const uint8_t* p = buf_.data() + (position_ - buf_start_);
  auto h = batch_header::parse({p, batch_header::size});
  if (!h) return stop(status::corrupt, "unreadable batch header");
  header_ = *h;
  if (header_.magic != 2) return stop(status::corrupt, "magic " + std::to_string(header_.magic));
  if (header_.batch_length < static_cast<int32_t>(batch_header::size - batch_header::log_overhead))
    return stop(status::corrupt, "batch length " + std::to_string(header_.batch_length));
  if (header_.records_count < 0 || header_.last_offset_delta < 0)
    return stop(status::corrupt, "negative record count or offset delta");
  if (header_.base_offset < opts_.min_offset || (have_prev_ && header_.base_offset <= prev_last_))
    return stop(status::corrupt, "base offset " + std::to_string(header_.base_offset) +
                                     " does not follow offset " + std::to_string(prev_last_));
  int64_t total = header_.total_size();
  if (total > left)
    return stop(status::torn, "batch of " + std::to_string(total) + " bytes, only " +
                                  std::to_string(left) + " left");
  if (opts_.verify_crc) {
    uint32_t crc = 0;
    int64_t at = position_ + static_cast<int64_t>(batch_header::attributes_at);
    int64_t end = position_ + total;
    while (at < end) {
      size_t n =
          static_cast<size_t>(std::min<int64_t>(end - at, static_cast<int64_t>(buf_.size())));
      if (!ensure(at, n)) return false;
      crc = crc32c_extend(crc, buf_.data() + (at - buf_start_), n);
      at += static_cast<int64_t>(n);
    }
    if (crc != header_.crc) return stop(status::corrupt, "CRC mismatch");
  }
  next_ = position_ + total;
  prev_last_ = header_.last_offset();
  have_prev_ = true;
  return true;
}

}  // namespace sluice::storage
