// kafka-transactions' command line, apart from running it, so tests can parse with it.
#pragma once

#include "cli/kafka/argparse.h"

namespace sluice::cli {

// Kafka 3.9's kafka-transactions.sh options and commands (list, describe, describe-producers,
// abort, find-hanging).
argparse_parser kafka_transactions_parser();

}  // namespace sluice::cli
