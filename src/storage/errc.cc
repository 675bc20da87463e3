#include "storage/errc.h"

namespace sluice::storage {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::offset_out_of_range:
      return "offset out of range";
    case errc::corrupt_message:
      return "corrupt message";
    case errc::message_too_large:
      return "message too large";
    case errc::record_list_too_large:
      return "record list too large";
    case errc::invalid_timestamp:
      return "invalid timestamp";
    case errc::invalid_record:
      return "invalid record";
    case errc::unexpected_offset:
      return "unexpected append offset";
    case errc::io_error:
      return "i/o error";
    case errc::closed:
      return "partition closed";
    case errc::not_found:
      return "not found";
    case errc::already_exists:
      return "already exists";
    case errc::invalid_config:
      return "invalid config";
    case errc::invalid_argument:
      return "invalid argument";
    case errc::log_dir_locked:
      return "log dir locked";
    case errc::inconsistent_metadata:
      return "inconsistent metadata";
    case errc::corrupt_file:
      return "corrupt file";
    case errc::invalid_producer_epoch:
      return "invalid producer epoch";
    case errc::out_of_order_sequence:
      return "out of order sequence number";
    case errc::invalid_txn_state:
      return "invalid transaction state";
    case errc::transaction_coordinator_fenced:
      return "transaction coordinator fenced";
  }
  return "unknown storage error";
}

}  // namespace sluice::storage
