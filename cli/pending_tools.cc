// The tools of issue #6 still being written: each says so and fails, so scripts get a clear answer.
#include <cstdio>

#include "cli/tools.h"

namespace sluice::cli {
namespace {
int pending(const char* name) {
  std::fprintf(stderr, "%s: not built yet in this version of Sluice (issue #6)\n", name);
  return 1;
}
}  // namespace

int kafka_configs_main(const args_t&) {
  return pending("kafka-configs");
}
int kafka_get_offsets_main(const args_t&) {
  return pending("kafka-get-offsets");
}
int kafka_delete_records_main(const args_t&) {
  return pending("kafka-delete-records");
}
int kafka_leader_election_main(const args_t&) {
  return pending("kafka-leader-election");
}
int kafka_broker_api_versions_main(const args_t&) {
  return pending("kafka-broker-api-versions");
}
int kafka_log_dirs_main(const args_t&) {
  return pending("kafka-log-dirs");
}
int sluice_main(const args_t&) {
  return pending("sluice");
}

}  // namespace sluice::cli
