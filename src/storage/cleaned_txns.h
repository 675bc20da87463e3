// The transactions a compaction pass walks through, as Kafka's cleaner tracks them: which data
// batches belong to aborted transactions (and may go), and when a COMMIT/ABORT marker may go (no
// batch of its transaction was left for this pass to see: the data is already gone).
//
// Fed with the aborted transactions of the transaction indexes (add_aborted) ahead of the batches
// they cover, then with every batch in log order. An ABORT marker whose data the pass did see is
// kept, and its entry goes to the index of the segment being written (take_index_entries).
//
// Pure logic; one per cleaning pass, used by the cleaner thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "protocol/batch_header.h"
#include "protocol/record_batch.h"
#include "storage/producer_state.h"

namespace sluice::storage {

class cleaned_txns {
 public:
  // Aborted transactions from the index (duplicates are harmless).
  void add_aborted(std::span<const aborted_txn> aborted);
  // A control batch; `type` is its record's type (nullopt: no record, an emptied marker).
  // Returns whether the batch may be dropped.
  bool on_control_batch(const protocol::batch_header& h,
                        std::optional<protocol::control_type> type);
  // A data batch. Returns whether it belongs to an aborted transaction (then it may be dropped).
  bool on_data_batch(const protocol::batch_header& h);
  // The index entries of the ABORT markers kept since the last call.
  std::vector<aborted_txn> take_index_entries();

 private:
  struct open_abort {
    aborted_txn txn;
    bool seen_data = false;
  };
  // Transactions of the index whose first offset is reached become open.
  void start_up_to(int64_t offset);

  std::multimap<int64_t, aborted_txn> pending_;           // by first offset
  std::unordered_map<int64_t, open_abort> open_aborted_;  // by producer id
  std::unordered_set<int64_t> open_committed_;            // producers with data seen
  std::vector<aborted_txn> index_;
};

}  // namespace sluice::storage
