// write_txn_markers: writes transaction markers (COMMIT or ABORT control batches) to the
// partitions this broker leads, as WriteTxnMarkers asks — the transaction coordinator's last step
// of a transaction. Each marker goes to its partition as a control batch of the producer, appended
// with acks=-1 as a coordinator write (its producer epoch and coordinator epoch are checked, no
// sequence). Once a marker is in a __consumer_offsets partition, the group coordinator settles the
// producer's transactional offsets there.
//
// Used by the WriteTxnMarkers handler (a coordinator on another broker) and by this broker's own
// transaction coordinator for the partitions it leads itself. Thread-safe; `done` runs once, on
// any thread, when every marker's partitions have their outcome.
#pragma once

#include <functional>

#include "protocol/generated/write_txn_markers.h"

namespace sluice::handlers {

struct broker_services;

void write_txn_markers(broker_services& services, protocol::write_txn_markers_request request,
                       int32_t timeout_ms,
                       std::function<void(protocol::write_txn_markers_response)> done);

}  // namespace sluice::handlers
