// Walks the record batches of a segment file, reading it in chunks (one pread per chunk, not per
// batch). Reads use it to find batch boundaries near an index entry; recovery and index rebuilds
// use it with CRC checks to find where the valid prefix of a segment ends.
//
// A batch is accepted when its header is sane (magic 2, a length that covers the 61-byte header
// and ends inside the scanned range, non-negative counts), its base offset is above the previous
// batch's last offset and not below `min_offset`, and — with verify_crc — its CRC-32C matches
// (checked in chunk-sized steps, so a huge corrupt length never sizes an allocation).
//
// One scanner per thread; it borrows the fd, which must stay open while it is used.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/batch_header.h"
#include "storage/file_io.h"

namespace sluice::storage {

class batch_scanner {
 public:
  enum class status {
    ok,       // positioned on a valid batch
    end,      // reached the end of the range exactly at a batch boundary
    torn,     // the range ends inside a batch (a write cut short)
    corrupt,  // bytes that are not a valid batch (bad header, CRC, or offsets going backwards)
    error,    // a read failed
  };
  struct options {
    size_t chunk_size = 64 * 1024;
    bool verify_crc = false;
    int64_t min_offset = 0;  // the first batch's base offset must be >= this
  };

  batch_scanner(file_io& io, int fd, int64_t from, int64_t limit, options opts);

  // Moves to the next batch. False at the end or on a problem; state() says which.
  bool next();

  status state() const { return state_; }
  // Why the scan stopped when state() is torn, corrupt or error.
  const std::string& problem() const { return problem_; }
  const protocol::batch_header& header() const { return header_; }
  // Position of the current batch, and just past it.
  int64_t position() const { return position_; }
  int64_t end_position() const { return next_; }
  // Where the valid batches end: past the current batch after a successful next(), the position
  // of the offending bytes after a torn/corrupt stop.
  int64_t valid_end() const { return state_ == status::ok ? next_ : position_; }

 private:
  bool ensure(int64_t pos, size_t n);  // [pos, pos+n) into the buffer; n <= chunk size
  bool stop(status s, std::string why);

  file_io& io_;
  int fd_;
  int64_t limit_;
  options opts_;
  std::vector<uint8_t> buf_;
  int64_t buf_start_ = 0;
  size_t buf_len_ = 0;
  int64_t position_;
  int64_t next_;
  int64_t prev_last_ = -1;
  bool have_prev_ = false;
  protocol::batch_header header_{};
  status state_ = status::ok;
  std::string problem_;
};

}  // namespace sluice::storage
