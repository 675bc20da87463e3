#include "server/config_catalogue.h"

#include "server/config_catalogue_sections.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace sluice::server {
namespace {

std::optional<int64_t> as_integer(const config_value& v) {
  if (auto* i = std::get_if<int32_t>(&v)) return *i;
  if (auto* l = std::get_if<int64_t>(&v)) return *l;
  return std::nullopt;
}

// Strings here are built by appending, never as `"literal" + std::string`: g++ 12 at -O3 inlines
// that into a memcpy it then reports as overlapping (a false -Wrestrict, fatal with
// SLUICE_WERROR=ON in Release).
std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

// "[" inner "]": how Kafka's docs show a valid range or set.
std::string bracketed(std::string_view inner) {
  std::string out;
  out.reserve(inner.size() + 2);
  out += '[';
  out += inner;
  out += ']';
  return out;
}

constexpr auto long_max = std::numeric_limits<int64_t>::max();

// The table. Docs are Sluice's own words; names, types and defaults are Kafka's.
std::vector<config_key> build_catalogue() {
  using t = config_type;
  using m = update_mode;
  std::vector<config_key> keys;
  std::string section;
  auto add = [&](config_key k) {
    k.section = section;
    keys.push_back(std::move(k));
  };

  section = "Server basics";
  add({.name = "broker.id",
       .type = t::int_,
       .default_value = "-1",
       .doc = "This broker's id, unique in the cluster. -1 means not set: the broker uses the id "
              "recorded in meta.properties in its data directory; failing that a single broker "
              "takes 0, and a ZooKeeper cluster member is given reserved.broker.max.id + a "
              "sequence number from /brokers/seqid (broker.id.generation.enable).",
       .valid = at_least(-1)});
  add({.name = "broker.id.generation.enable",
       .type = t::boolean,
       .default_value = "true",
       .doc = "In a ZooKeeper cluster, give a broker without broker.id (and without one in "
              "meta.properties) a generated id above reserved.broker.max.id."});
  add({.name = "reserved.broker.max.id",
       .type = t::int_,
       .default_value = "1000",
       .doc = "The largest broker.id set by hand; generated ids start above it.",
       .valid = at_least(0)});
  add({.name = "broker.rack",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "The rack (or availability zone) of this broker, reported in metadata so replicas "
              "can be spread across racks."});
  add({.name = "log.dirs",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "Comma-separated list of directories holding partition data. Overrides log.dir."});
  add({.name = "log.dir",
       .type = t::string,
       .default_value = "/tmp/kafka-logs",
       .doc = "The data directory, used when log.dirs is not set."});
  add({.name = "num.io.threads",
       .type = t::int_,
       .default_value = "8",
       .doc = "Threads that run the requests which may block: topic creation, deletion and "
              "configuration, Metadata (ZooKeeper round trips, the metadata file's fsync). "
              "Produce and Fetch run on the network threads.",
       .valid = at_least(1)});
  add({.name = "num.recovery.threads.per.data.dir",
       .type = t::int_,
       .default_value = "1",
       .doc = "Threads per data directory that recover logs at start-up and flush them at "
              "shutdown.",
       .valid = at_least(1)});
  add({.name = "auto.create.topics.enable",
       .type = t::boolean,
       .default_value = "true",
       .doc = "Create a topic when a client asks for metadata of, or produces to, a topic that "
              "does not exist (with num.partitions and default.replication.factor)."});
  add({.name = "delete.topic.enable",
       .type = t::boolean,
       .default_value = "true",
       .doc = "Allow DeleteTopics. When false, deleting a topic is refused."});
  add({.name = "controlled.shutdown.enable",
       .type = t::boolean,
       .default_value = "true",
       .doc = "In a cluster, hand partition leadership to other brokers before shutting down."});
  add({.name = "auto.leader.rebalance.enable",
       .type = t::boolean,
       .default_value = "true",
       .doc = "In a cluster, move leadership back to each partition's preferred replica in the "
              "background."});
  add({.name = "leader.imbalance.check.interval.seconds",
       .type = t::long_,
       .default_value = "300",
       .doc = "How often the controller checks for partitions not led by their preferred replica.",
       .valid = at_least(1)});
  add({.name = "leader.imbalance.per.broker.percentage",
       .type = t::int_,
       .default_value = "10",
       .doc = "The share of a broker's partitions led elsewhere that triggers moving them back.",
       .valid = between(0, 100)});
  add({.name = "controller.socket.timeout.ms",
       .type = t::int_,
       .default_value = "30000",
       .doc = "Timeout of the controller's requests to brokers (LeaderAndIsr, UpdateMetadata, "
              "StopReplica).",
       .valid = at_least(1)});
  add({.name = "controlled.shutdown.max.retries",
       .type = t::int_,
       .default_value = "3",
       .doc = "Attempts at a controlled shutdown before the broker stops anyway.",
       .valid = at_least(1)});
  add({.name = "controlled.shutdown.retry.backoff.ms",
       .type = t::long_,
       .default_value = "5000",
       .doc = "Pause between controlled-shutdown attempts.",
       .valid = at_least(0)});

  section = "Listeners and network";
  add({.name = "listeners",
       .type = t::list,
       .default_value = "PLAINTEXT://:9092",
       .doc = "Comma-separated NAME://host:port endpoints to accept clients on. An empty host "
              "binds every interface; port 0 picks a free port. NAME must appear in "
              "listener.security.protocol.map. PLAINTEXT and SSL listeners are served; "
              "SASL_PLAINTEXT and SASL_SSL ones are refused until SASL is supported."});
  add({.name = "advertised.listeners",
       .type = t::list,
       .default_value = std::nullopt,
       .doc = "The endpoints given to clients in metadata, one per listener name (a subset of "
              "the names in listeners). Defaults to listeners; an empty host is replaced by the "
              "machine's canonical host name. 0.0.0.0 cannot be advertised."});
  add({.name = "listener.security.protocol.map",
       .type = t::list,
       .default_value =
           "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
       .doc = "Comma-separated NAME:PROTOCOL pairs giving each listener name its security "
              "protocol (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)."});
  add({.name = "inter.broker.listener.name",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "The listener brokers use to reach each other. Defaults to the listener named "
              "after security.inter.broker.protocol. Must be one of advertised.listeners."});
  add({.name = "security.inter.broker.protocol",
       .type = t::string,
       .default_value = "PLAINTEXT",
       .doc = "The security protocol between brokers, when inter.broker.listener.name is not set "
              "(set one or the other, not both).",
       .valid = one_of({"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"})});
  add({.name = "num.network.threads",
       .type = t::int_,
       .default_value = "3",
       .doc = "Event-loop threads that read requests and write responses. Each connection "
              "stays on one of them.",
       .valid = at_least(1)});
  add({.name = "socket.send.buffer.bytes",
       .type = t::int_,
       .default_value = "102400",
       .doc = "SO_SNDBUF of client connections; -1 keeps the operating system's default (and "
              "its automatic tuning).",
       .valid = at_least(-1)});
  add({.name = "socket.receive.buffer.bytes",
       .type = t::int_,
       .default_value = "102400",
       .doc = "SO_RCVBUF of client connections; -1 keeps the operating system's default and its "
              "automatic tuning. Kafka's default is kept here; config/server.properties ships -1, "
              "which reads large Produce requests with fewer, larger reads (see "
              "docs/benchmarks.md).",
       .valid = at_least(-1)});
  add({.name = "socket.request.max.bytes",
       .type = t::int_,
       .default_value = "104857600",
       .doc = "The largest request accepted. A larger (or negative) size prefix closes the "
              "connection before anything is allocated.",
       .valid = at_least(1)});
  add({.name = "connections.max.idle.ms",
       .type = t::long_,
       .default_value = "600000",
       .doc = "Close a connection with no traffic and no request in progress for this long. A "
              "negative value never closes idle connections."});
  add({.name = "queued.max.requests",
       .type = t::int_,
       .default_value = "500",
       .doc = "Bound on requests read but not yet answered. Sluice applies it per connection, "
              "capped at 16 (clients pipeline at most 5 by default): once reached, the broker "
              "stops reading that connection until a response is written.",
       .valid = at_least(1)});

  add_ssl_keys(keys);
  add_quota_keys(keys);

  section = "Topics and messages";
  add({.name = "num.partitions",
       .type = t::int_,
       .default_value = "1",
       .doc = "Partitions of an automatically created topic, and of CreateTopics requests that "
              "leave the count to the broker.",
       .valid = at_least(1)});
  add({.name = "default.replication.factor",
       .type = t::int_,
       .default_value = "1",
       .doc = "Replication factor of automatically created topics, and of CreateTopics requests "
              "that leave it to the broker.",
       .valid = at_least(1)});
  add({.name = "message.max.bytes",
       .type = t::int_,
       .default_value = "1048588",
       .doc = "The largest record batch a topic accepts (after compression).",
       .valid = at_least(0),
       .mode = m::cluster_wide,
       .topic_config = "max.message.bytes"});
  add({.name = "fetch.max.bytes",
       .type = t::int_,
       .default_value = "57671680",
       .doc = "The most bytes one Fetch response returns, whatever the client asks.",
       .valid = at_least(1024)});
  add({.name = "log.message.timestamp.type",
       .type = t::string,
       .default_value = "CreateTime",
       .doc = "Whether record timestamps are the producer's (CreateTime) or the broker's append "
              "time (LogAppendTime).",
       .valid = one_of({"CreateTime", "LogAppendTime"}),
       .mode = m::cluster_wide,
       .topic_config = "message.timestamp.type"});

  add({.name = "log.message.downconversion.enable",
       .type = t::boolean,
       .default_value = "true",
       .doc = "Whether Fetch v0-3 (old consumers) are served by down-converting record batches to "
              "the legacy message formats (magic 0 and 1), a copying path. When false they get "
              "UNSUPPORTED_VERSION, as in Kafka.",
       .mode = m::cluster_wide,
       .topic_config = "message.downconversion.enable"});

  section = "Log segments and flushing";
  add({.name = "log.segment.bytes",
       .type = t::int_,
       .default_value = "1073741824",
       .doc = "Size at which a partition's active segment file is rolled.",
       .valid = at_least(14),
       .mode = m::cluster_wide,
       .topic_config = "segment.bytes"});
  add({.name = "log.roll.ms",
       .type = t::long_,
       .default_value = std::nullopt,
       .doc = "Age at which the active segment is rolled even if not full. Overrides "
              "log.roll.hours.",
       .valid = at_least(1),
       .mode = m::cluster_wide,
       .topic_config = "segment.ms"});
  add({.name = "log.roll.hours",
       .type = t::int_,
       .default_value = "168",
       .doc = "log.roll.ms in hours, used when log.roll.ms is not set.",
       .valid = at_least(1),
       .mode = m::cluster_wide,
       .topic_config = "segment.ms"});
  add({.name = "log.index.size.max.bytes",
       .type = t::int_,
       .default_value = "10485760",
       .doc = "Maximum size of a segment's offset and time index; a full index rolls the "
              "segment.",
       .valid = at_least(4),
       .mode = m::cluster_wide,
       .topic_config = "segment.index.bytes"});
  add({.name = "log.index.interval.bytes",
       .type = t::int_,
       .default_value = "4096",
       .doc = "Bytes of records between two entries of the sparse offset index.",
       .valid = at_least(0),
       .mode = m::cluster_wide,
       .topic_config = "index.interval.bytes"});
  add({.name = "log.flush.interval.messages",
       .type = t::long_,
       .default_value = std::to_string(long_max),
       .doc = "fsync a partition after this many records. The default leaves durability to "
              "replication and the operating system, as Kafka does.",
       .valid = at_least(1),
       .mode = m::cluster_wide,
       .topic_config = "flush.messages"});
  add({.name = "log.flush.interval.ms",
       .type = t::long_,
       .default_value = std::nullopt,
       .doc = "fsync a partition whose oldest unflushed record is this old. Defaults to "
              "log.flush.scheduler.interval.ms.",
       .valid = at_least(0),
       .mode = m::cluster_wide,
       .topic_config = "flush.ms"});
  add({.name = "log.flush.scheduler.interval.ms",
       .type = t::long_,
       .default_value = std::to_string(long_max),
       .doc = "How often the flusher checks whether a partition is due for fsync.",
       .valid = at_least(0)});

  section = "Retention and cleanup";
  add({.name = "log.retention.ms",
       .type = t::long_,
       .default_value = std::nullopt,
       .doc = "Delete segments whose newest record is older than this. -1: no time limit. "
              "Overrides log.retention.minutes and log.retention.hours.",
       .mode = m::cluster_wide,
       .topic_config = "retention.ms"});
  add({.name = "log.retention.minutes",
       .type = t::int_,
       .default_value = std::nullopt,
       .doc = "log.retention.ms in minutes, used when log.retention.ms is not set. Overrides "
              "log.retention.hours.",
       .mode = m::cluster_wide,
       .topic_config = "retention.ms"});
  add({.name = "log.retention.hours",
       .type = t::int_,
       .default_value = "168",
       .doc = "log.retention.ms in hours, used when neither log.retention.ms nor "
              "log.retention.minutes is set.",
       .mode = m::cluster_wide,
       .topic_config = "retention.ms"});
  add({.name = "log.retention.bytes",
       .type = t::long_,
       .default_value = "-1",
       .doc = "Delete the oldest segments while a partition is larger than this. -1: no size "
              "limit.",
       .mode = m::cluster_wide,
       .topic_config = "retention.bytes"});
  add({.name = "log.retention.check.interval.ms",
       .type = t::long_,
       .default_value = "300000",
       .doc = "How often segments are checked against the retention limits.",
       .valid = at_least(1)});
  add({.name = "log.cleanup.policy",
       .type = t::list,
       .default_value = "delete",
       .doc = "What happens to old segments: delete them (retention), compact them (keep the "
              "latest record per key), or both.",
       .valid = each_one_of({"compact", "delete"}),
       .mode = m::cluster_wide,
       .topic_config = "cleanup.policy"});
  add({.name = "log.cleaner.enable",
       .type = t::boolean,
       .default_value = "true",
       .doc = "Run the log cleaner, which compacts topics with cleanup.policy=compact."});
  add({.name = "log.cleaner.delete.retention.ms",
       .type = t::long_,
       .default_value = "86400000",
       .doc = "How long tombstones stay readable in a compacted topic after compaction reaches "
              "them.",
       .valid = at_least(0),
       .mode = m::cluster_wide,
       .topic_config = "delete.retention.ms"});
  add({.name = "log.cleaner.min.cleanable.ratio",
       .type = t::double_,
       .default_value = "0.5",
       .doc = "Compact a partition once this fraction of its log is uncompacted.",
       .valid = between(0, 1),
       .mode = m::cluster_wide,
       .topic_config = "min.cleanable.dirty.ratio"});
  add({.name = "log.cleaner.min.compaction.lag.ms",
       .type = t::long_,
       .default_value = "0",
       .doc = "A record stays uncompacted for at least this long.",
       .valid = at_least(0),
       .mode = m::cluster_wide,
       .topic_config = "min.compaction.lag.ms"});

  section = "Replication";
  add({.name = "min.insync.replicas",
       .type = t::int_,
       .default_value = "1",
       .doc = "With acks=all, the fewest in-sync replicas that must have a write for it to "
              "succeed; fewer gives NOT_ENOUGH_REPLICAS.",
       .valid = at_least(1),
       .mode = m::cluster_wide,
       .topic_config = "min.insync.replicas"});
  add({.name = "unclean.leader.election.enable",
       .type = t::boolean,
       .default_value = "false",
       .doc = "Allow a replica outside the ISR to become leader when no in-sync replica is left "
              "(availability over durability).",
       .mode = m::cluster_wide,
       .topic_config = "unclean.leader.election.enable"});
  add({.name = "replica.lag.time.max.ms",
       .type = t::long_,
       .default_value = "30000",
       .doc = "A follower that has not caught up with the leader for this long leaves the ISR.",
       .valid = at_least(0)});
  add({.name = "replica.fetch.max.bytes",
       .type = t::int_,
       .default_value = "1048576",
       .doc = "Bytes a follower asks for per partition in each fetch.",
       .valid = at_least(0)});
  add({.name = "replica.fetch.wait.max.ms",
       .type = t::int_,
       .default_value = "500",
       .doc = "How long a follower's fetch waits for data. At most replica.lag.time.max.ms.",
       .valid = at_least(0)});
  add({.name = "num.replica.fetchers",
       .type = t::int_,
       .default_value = "1",
       .doc = "Fetcher threads per source broker on a follower.",
       .valid = at_least(1)});
  add({.name = "replica.fetch.min.bytes",
       .type = t::int_,
       .default_value = "1",
       .doc = "Bytes a follower's fetch waits for (up to replica.fetch.wait.max.ms).",
       .valid = at_least(1)});
  add({.name = "replica.fetch.response.max.bytes",
       .type = t::int_,
       .default_value = "10485760",
       .doc = "Bytes a follower asks for in one fetch, over all its partitions.",
       .valid = at_least(0)});
  add({.name = "replica.fetch.backoff.ms",
       .type = t::int_,
       .default_value = "1000",
       .doc = "Pause after a follower's fetch failed.",
       .valid = at_least(0)});
  add({.name = "replica.socket.timeout.ms",
       .type = t::int_,
       .default_value = "30000",
       .doc = "Timeout of a follower's requests to its leader.",
       .valid = at_least(1)});
  add({.name = "replica.high.watermark.checkpoint.interval.ms",
       .type = t::long_,
       .default_value = "5000",
       .doc = "How often each log dir's replication-offset-checkpoint is written.",
       .valid = at_least(1)});

  section = "Consumer groups and offsets";
  add({.name = "offsets.topic.num.partitions",
       .type = t::int_,
       .default_value = "50",
       .doc = "Partitions of __consumer_offsets (fixed once the topic exists).",
       .valid = at_least(1)});
  add({.name = "offsets.topic.replication.factor",
       .type = t::short_,
       .default_value = "3",
       .doc = "Replication factor of __consumer_offsets. Creating it fails while fewer brokers "
              "are alive; set 1 for a single broker.",
       .valid = at_least(1)});
  add({.name = "offsets.retention.minutes",
       .type = t::int_,
       .default_value = "10080",
       .doc = "Committed offsets of a group that has had no members for this long are removed.",
       .valid = at_least(1)});
  add({.name = "group.initial.rebalance.delay.ms",
       .type = t::int_,
       .default_value = "3000",
       .doc = "How long a new group waits for more members before its first rebalance.",
       .valid = at_least(0)});
  add({.name = "group.min.session.timeout.ms",
       .type = t::int_,
       .default_value = "6000",
       .doc = "The smallest session timeout a consumer may ask for.",
       .valid = at_least(0)});
  add({.name = "group.max.session.timeout.ms",
       .type = t::int_,
       .default_value = "1800000",
       .doc = "The largest session timeout a consumer may ask for.",
       .valid = at_least(0)});
  add({.name = "group.max.size",
       .type = t::int_,
       .default_value = "2147483647",
       .doc = "The most members one consumer group may have.",
       .valid = at_least(1)});
  add({.name = "group.coordinator.rebalance.protocols",
       .type = t::list,
       .default_value = "classic,consumer,share",
       .doc = "The group protocols served: classic (JoinGroup/SyncGroup), consumer (KIP-848's "
              "ConsumerGroupHeartbeat, Kafka 4's default; a consumer opts in with "
              "group.protocol=consumer) and share (KIP-932's share groups: KafkaShareConsumer).",
       .valid = each_one_of({"classic", "consumer", "share"})});
  add({.name = "group.consumer.session.timeout.ms",
       .type = t::int_,
       .default_value = "45000",
       .doc = "How long a consumer-protocol member may go without a heartbeat before it is "
              "removed from its group.",
       .valid = at_least(1)});
  add({.name = "group.consumer.heartbeat.interval.ms",
       .type = t::int_,
       .default_value = "5000",
       .doc = "How often consumer-protocol members are told to heartbeat.",
       .valid = at_least(1)});
  add({.name = "group.consumer.max.size",
       .type = t::int_,
       .default_value = "2147483647",
       .doc = "The most members one consumer-protocol group may have.",
       .valid = at_least(1)});
  add({.name = "group.consumer.assignors",
       .type = t::list,
       .default_value = "uniform,range",
       .doc = "The server-side assignors consumer-protocol groups may use; the first is the "
              "default (uniform: balanced and sticky; range: co-partitioned ranges per topic).",
       .valid = each_one_of({"uniform", "range"})});
  add({.name = "group.consumer.migration.policy",
       .type = t::string,
       .default_value = "bidirectional",
       .doc = "Online migration between the group protocols: upgrade turns a classic group into "
              "a consumer group when a consumer-protocol member joins it, downgrade turns it back "
              "when its last consumer-protocol member leaves; bidirectional allows both, disabled "
              "neither.",
       .valid = one_of_any_case({"disabled", "downgrade", "upgrade", "bidirectional"})});

  add({.name = "group.share.session.timeout.ms",
       .type = t::int_,
       .default_value = "45000",
       .doc = "How long a share-group member may go without a heartbeat before it is removed "
              "from its group.",
       .valid = at_least(1)});
  add({.name = "group.share.heartbeat.interval.ms",
       .type = t::int_,
       .default_value = "5000",
       .doc = "How often share-group members are told to heartbeat.",
       .valid = at_least(1)});
  add({.name = "group.share.max.size",
       .type = t::int_,
       .default_value = "200",
       .doc = "The most members one share group may have.",
       .valid = in_range(1, 1000)});
  add({.name = "group.share.record.lock.duration.ms",
       .type = t::int_,
       .default_value = "30000",
       .doc = "How long a record delivered to a share consumer stays locked to it; unacknowledged "
              "by then, it is delivered again.",
       .valid = in_range(1000, 3600000)});
  add({.name = "group.share.delivery.count.limit",
       .type = t::int_,
       .default_value = "5",
       .doc = "How often a record is delivered to share consumers before it is archived (no "
              "longer delivered) when released or its lock expires.",
       .valid = in_range(2, 10)});
  add({.name = "group.share.partition.max.record.locks",
       .type = t::int_,
       .default_value = "2000",
       .doc = "The most records of one share partition that may be in flight (delivered and not "
              "yet acknowledged); bounds the memory of each share partition.",
       .valid = in_range(100, 10000)});
  add({.name = "group.share.max.share.sessions",
       .type = t::int_,
       .default_value = "2000",
       .doc = "The most share sessions (one per share consumer fetching from this broker); more "
              "get SHARE_SESSION_LIMIT_REACHED.",
       .valid = at_least(1)});

  add({.name = "telemetry.max.bytes",
       .type = t::int_,
       .default_value = "1048576",
       .doc = "The largest PushTelemetry metrics payload a client may send (KIP-714), compressed "
              "as sent and again once decompressed; larger pushes get TELEMETRY_TOO_LARGE.",
       .valid = at_least(1)});

  add({.name = "share.coordinator.state.topic.num.partitions",
       .type = t::int_,
       .default_value = "50",
       .doc = "Partitions of __share_group_state, where share partitions' delivery state is kept "
              "(fixed once the topic exists).",
       .valid = at_least(1)});
  add({.name = "share.coordinator.state.topic.replication.factor",
       .type = t::short_,
       .default_value = "3",
       .doc = "Replication factor of __share_group_state; set 1 for a single broker.",
       .valid = at_least(1)});
  add({.name = "share.coordinator.state.topic.min.isr",
       .type = t::short_,
       .default_value = "2",
       .doc = "min.insync.replicas of __share_group_state; set 1 for a single broker.",
       .valid = at_least(1)});
  add({.name = "share.coordinator.state.topic.segment.bytes",
       .type = t::int_,
       .default_value = "104857600",
       .doc = "segment.bytes of __share_group_state.",
       .valid = at_least(1)});

  section = "Transactions";
  add({.name = "transaction.state.log.replication.factor",
       .type = t::short_,
       .default_value = "3",
       .doc = "Replication factor of __transaction_state; set 1 for a single broker.",
       .valid = at_least(1)});
  add({.name = "transaction.state.log.min.isr",
       .type = t::int_,
       .default_value = "2",
       .doc = "min.insync.replicas of __transaction_state; set 1 for a single broker.",
       .valid = at_least(1)});
  add({.name = "transaction.state.log.num.partitions",
       .type = t::int_,
       .default_value = "50",
       .doc = "Partitions of __transaction_state (fixed once the topic exists).",
       .valid = at_least(1)});
  add({.name = "transaction.state.log.segment.bytes",
       .type = t::int_,
       .default_value = "104857600",
       .doc = "segment.bytes of __transaction_state.",
       .valid = at_least(1)});
  add({.name = "transaction.max.timeout.ms",
       .type = t::int_,
       .default_value = "900000",
       .doc = "The longest transaction.timeout.ms a producer may ask for (longer: "
              "INVALID_TRANSACTION_TIMEOUT).",
       .valid = at_least(1)});
  add({.name = "transactional.id.expiration.ms",
       .type = t::int_,
       .default_value = "604800000",
       .doc = "A transactional id whose producer has sent no transaction request for this long "
              "is forgotten.",
       .valid = at_least(1)});
  add({.name = "transaction.abort.timed.out.transaction.cleanup.interval.ms",
       .type = t::int_,
       .default_value = "10000",
       .doc = "How often the transaction coordinator aborts transactions older than their "
              "timeout.",
       .valid = at_least(1)});
  add({.name = "transaction.remove.expired.transaction.cleanup.interval.ms",
       .type = t::int_,
       .default_value = "3600000",
       .doc = "How often expired transactional ids are removed.",
       .valid = at_least(1)});
  add({.name = "producer.id.expiration.ms",
       .type = t::int_,
       .default_value = "86400000",
       .doc = "A producer id with no open transaction whose last write is older than this is "
              "forgotten by each partition (its retries can then no longer be recognised as "
              "duplicates).",
       .valid = at_least(1)});
  add({.name = "producer.id.expiration.check.interval.ms",
       .type = t::int_,
       .default_value = "600000",
       .doc = "How often partitions look for expired producer ids.",
       .valid = at_least(1)});
  add({.name = "transaction.partition.verification.enable",
       .type = t::boolean,
       .default_value = "true",
       .doc = "Partition leaders ask the transaction coordinator whether a transactional batch's "
              "partition is in its transaction before appending it (KIP-890), so a late write "
              "from an ended transaction cannot hang the partition."});

  section = "SASL authentication";
  add({.name = "sasl.enabled.mechanisms",
       .type = t::list,
       .default_value = "GSSAPI",
       .doc = "The SASL mechanisms SASL_PLAINTEXT and SASL_SSL listeners offer, in handshake "
              "order; per listener: listener.name.<listener>.sasl.enabled.mechanisms. Sluice "
              "implements PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER: Kafka's default, "
              "GSSAPI (Kerberos), is refused at start-up, so a SASL listener needs this set. PLAIN "
              "takes its users from listener.name.<listener>.plain.sasl.jaas.config "
              "(PlainLoginModule's user_<name>=\"<password>\" options); SCRAM users are created "
              "with kafka-configs.sh --entity-type users; OAUTHBEARER validates unsecured JWTs "
              "with the unsecuredValidator* options of listener.name.<listener>.oauthbearer.sasl."
              "jaas.config (docs/security.md)."});
  add({.name = "sasl.mechanism.inter.broker.protocol",
       .type = t::string,
       .default_value = "GSSAPI",
       .doc = "The mechanism brokers authenticate to each other with when the inter-broker "
              "listener is a SASL one, with the username and password options of "
              "listener.name.<inter-broker listener>.<mechanism>.sasl.jaas.config."});
  add({.name = "sasl.server.max.receive.size",
       .type = t::int_,
       .default_value = "524288",
       .doc = "The largest frame a SASL listener reads before authentication completes; a "
              "larger one closes the connection.",
       .valid = at_least(1)});
  add({.name = "connections.max.reauth.ms",
       .type = t::long_,
       .default_value = "0",
       .doc = "When positive, a SASL session lasts this long (KIP-368): the broker tells the "
              "client in SaslAuthenticate v1+ and closes a connection that sends a request other "
              "than SaslHandshake after its session expired without re-authenticating. Per "
              "listener and mechanism: listener.name.<listener>[.<mechanism>].connections.max."
              "reauth.ms. 0 disables re-authentication."});
  add({.name = "sasl.server.callback.handler.class",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "OAUTHBEARER's token validator; per listener: listener.name.<listener>.oauthbearer."
              "sasl.server.callback.handler.class. Unset (or Kafka's OAuthBearerUnsecuredValidator"
              "CallbackHandler): unsecured JWTs, checked with the JAAS entry's unsecuredValidator* "
              "options. org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback"
              "Handler: signed JWTs checked against the key set of sasl.oauthbearer.jwks.endpoint."
              "url. Other classes are refused at start-up."});
  add({.name = "sasl.oauthbearer.jwks.endpoint.url",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "The JSON Web Key Set of the signed-JWT validator, as a file:// URL, read at "
              "start-up (Sluice does not fetch HTTPS key sets). Each sasl.oauthbearer.* key also "
              "takes a listener.name.<listener>.oauthbearer. prefix."});
  add({.name = "sasl.oauthbearer.expected.audience",
       .type = t::list,
       .default_value = std::nullopt,
       .doc = "Audiences a signed JWT's aud claim must name one of; when empty, a token with an "
              "aud claim is refused (as jose4j does for Kafka)."});
  add({.name = "sasl.oauthbearer.expected.issuer",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "The iss claim a signed JWT must carry, when set."});
  add({.name = "sasl.oauthbearer.scope.claim.name",
       .type = t::string,
       .default_value = "scope",
       .doc = "The claim of a signed JWT that holds its scope."});
  add({.name = "sasl.oauthbearer.sub.claim.name",
       .type = t::string,
       .default_value = "sub",
       .doc = "The claim of a signed JWT that names the principal."});
  add({.name = "sasl.oauthbearer.clock.skew.seconds",
       .type = t::int_,
       .default_value = "30",
       .doc = "Slack allowed between the broker's clock and the token's exp and nbf.",
       .valid = at_least(0)});
  add({.name = "delegation.token.secret.key",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "The secret delegation-token HMACs are made with (the same on every broker); "
              "unset, delegation tokens are off and their requests answer "
              "DELEGATION_TOKEN_AUTH_DISABLED. Tokens are kept as Kafka keeps them, under "
              "/delegation_token/tokens (docs/security.md).",
       .sensitive = true});
  add({.name = "delegation.token.master.key",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "Kafka's deprecated name of delegation.token.secret.key, used when that is unset.",
       .sensitive = true});
  add({.name = "delegation.token.max.lifetime.ms",
       .type = t::long_,
       .default_value = "604800000",
       .doc = "The longest a delegation token lives, however often it is renewed.",
       .valid = at_least(1)});
  add({.name = "delegation.token.expiry.check.interval.ms",
       .type = t::long_,
       .default_value = "3600000",
       .doc = "How often each broker removes the delegation tokens past their expiry from the "
              "store (a login with one is refused at once regardless).",
       .valid = at_least(1)});
  add({.name = "delegation.token.expiry.time.ms",
       .type = t::long_,
       .default_value = "86400000",
       .doc = "How long a delegation token lives after its creation or a renewal, unless the "
              "request names a period.",
       .valid = at_least(1)});
  add({.name = "sasl.jaas.config",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "Ignored on a broker, as Kafka ignores it (with a warning): broker JAAS configs "
              "are per listener and mechanism, "
              "listener.name.<listener>.<mechanism>.sasl.jaas.config.",
       .sensitive = true});

  add({.name = "password.encoder.secret",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "The secret dynamic broker password configs (a listener's ssl.keystore.password "
              "set with kafka-configs.sh) are encrypted with in ZooKeeper, as Kafka keeps them. "
              "Unset, such configs are refused. Give every broker that reads them the same one.",
       .sensitive = true});
  add({.name = "password.encoder.old.secret",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "The previous password.encoder.secret when rotating it: stored passwords that do "
              "not decode with the new secret are decoded with this one and written back "
              "encoded with the new one at start-up.",
       .sensitive = true});
  add({.name = "password.encoder.keyfactory.algorithm",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "The key derivation for encoding dynamic passwords: PBKDF2WithHmacSHA512 (unset), "
              "PBKDF2WithHmacSHA256 or PBKDF2WithHmacSHA1. Decoding uses what is stored beside "
              "each value."});
  add({.name = "password.encoder.cipher.algorithm",
       .type = t::string,
       .default_value = "AES/CBC/PKCS5Padding",
       .doc = "The cipher for encoding dynamic passwords: AES/CBC/PKCS5Padding or "
              "AES/GCM/NoPadding."});
  add({.name = "password.encoder.key.length",
       .type = t::int_,
       .default_value = "128",
       .doc = "The AES key length in bits for encoding dynamic passwords: 128, 192 or 256.",
       .valid = at_least(8)});
  add({.name = "password.encoder.iterations",
       .type = t::int_,
       .default_value = "4096",
       .doc = "The PBKDF2 iterations for encoding dynamic passwords.",
       .valid = at_least(1024)});

  section = "Authorization";
  add({.name = "authorizer.class.name",
       .type = t::string,
       .default_value = "",
       .doc = "The authorizer. Empty: none, every principal may do everything. "
              "kafka.security.authorizer.AclAuthorizer (or its pre-2.4 name "
              "kafka.security.auth.SimpleAclAuthorizer): Kafka's ACLs, kept in ZooKeeper in "
              "Kafka's layout (or in the data directory without zookeeper.connect) and managed "
              "with kafka-acls.sh; see docs/security.md.",
       .valid = {[](const config_value& v) -> std::optional<std::string> {
                   auto* s = std::get_if<std::string>(&v);
                   if (!s || s->empty() || *s == "kafka.security.authorizer.AclAuthorizer" ||
                       *s == "kafka.security.auth.SimpleAclAuthorizer")
                     return std::nullopt;
                   return "Sluice's authorizer is Kafka's kafka.security.authorizer.AclAuthorizer "
                          "(or empty for none)";
                 },
                 ""}});
  add({.name = "super.users",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "Principals the authorizer allows everything, without looking at ACLs: "
              "'User:admin;User:alice' (principalType:name, separated by ';')."});
  add({.name = "allow.everyone.if.no.acl.found",
       .type = t::boolean,
       .default_value = "false",
       .doc = "Allow every principal on resources that have no ACL at all (a resource with any "
              "ACL, even for another principal or operation, is governed by its ACLs)."});

  section = "ZooKeeper";
  add({.name = "zookeeper.connect",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "ZooKeeper ensemble as host:port[,host:port...][/chroot]. Not set: Sluice runs "
              "without ZooKeeper, keeping metadata in its data directory (single broker)."});
  add({.name = "zookeeper.session.timeout.ms",
       .type = t::int_,
       .default_value = "18000",
       .doc = "ZooKeeper session timeout.",
       .valid = at_least(1)});
  add({.name = "zookeeper.connection.timeout.ms",
       .type = t::int_,
       .default_value = std::nullopt,
       .doc = "How long to wait for the ZooKeeper connection at start-up. Defaults to "
              "zookeeper.session.timeout.ms.",
       .valid = at_least(1)});

  section = "Sluice";
  add({.name = "metrics.listener",
       .type = t::string,
       .default_value = "http://127.0.0.1:9644",
       .doc = "Where Prometheus metrics are served (GET /metrics, and GET /healthz), as "
              "http://host:port; an empty host means every interface. If the default port is "
              "taken (several brokers on one host), the next free port is used and logged; an "
              "explicitly set port that is taken stops start-up."});

  section = "Accepted and ignored";
  add({.name = "inter.broker.protocol.version",
       .type = t::string,
       .default_value = "3.9",
       .doc = "Kafka's protocol version pin for rolling upgrades. Sluice speaks one version; "
              "the key is accepted so existing files load.",
       .ignored = true});
  add({.name = "log.message.format.version",
       .type = t::string,
       .default_value = "3.0",
       .doc = "Kafka's legacy message-format pin. Sluice always writes record batch v2; the key "
              "is accepted so existing files load.",
       .ignored = true});
  return keys;
}

}  // namespace

std::string_view to_string(update_mode m) {
  switch (m) {
    case update_mode::read_only:
      return "read-only";
    case update_mode::per_broker:
      return "per-broker";
    case update_mode::cluster_wide:
      return "cluster-wide";
  }
  return "unknown";
}

constraint at_least(int64_t min) {
  return {[min](const config_value& v) -> std::optional<std::string> {
            auto i = as_integer(v);
            if (i && *i < min) return "must be at least " + std::to_string(min);
            return std::nullopt;
          },
          bracketed(std::to_string(min) + ",...")};
}

constraint in_range(int64_t min, int64_t max) {
  return {[min, max](const config_value& v) -> std::optional<std::string> {
            auto i = as_integer(v);
            if (i && (*i < min || *i > max)) {
              return "must be between " + std::to_string(min) + " and " + std::to_string(max);
            }
            return std::nullopt;
          },
          bracketed(std::to_string(min) + ",...," + std::to_string(max))};
}

constraint between(double min, double max) {
  std::string shown = bracketed(*format_config_value(min) + ",...," + *format_config_value(max));
  return {[min, max, shown](const config_value& v) -> std::optional<std::string> {
            auto* d = std::get_if<double>(&v);
            if (d && (*d < min || *d > max)) return "must be in " + shown;
            return std::nullopt;
          },
          shown};
}

namespace {

// A STRING among `choices`, in their case or (any_case) in any.
constraint choice_of(std::vector<std::string> choices, bool any_case) {
  std::string shown = bracketed(join(choices));
  return {[choices, shown, any_case](const config_value& v) -> std::optional<std::string> {
            auto* s = std::get_if<std::string>(&v);
            if (!s) return std::nullopt;
            auto same = [any_case](char a, char b) {
              if (!any_case) return a == b;
              return std::tolower(static_cast<unsigned char>(a)) ==
                     std::tolower(static_cast<unsigned char>(b));
            };
            for (const auto& c : choices) {
              if (std::equal(s->begin(), s->end(), c.begin(), c.end(), same)) return std::nullopt;
            }
            return "must be one of " + shown + (any_case ? " (in any case)" : "");
          },
          shown};
}

}  // namespace

constraint one_of(std::vector<std::string> choices) {
  return choice_of(std::move(choices), false);
}

constraint one_of_any_case(std::vector<std::string> choices) {
  return choice_of(std::move(choices), true);
}

constraint each_one_of(std::vector<std::string> choices) {
  std::string shown = bracketed(join(choices));
  return {[choices, shown](const config_value& v) -> std::optional<std::string> {
            auto* l = std::get_if<config_list>(&v);
            if (!l) return std::nullopt;
            if (l->empty()) return "must list at least one of " + shown;
            for (const auto& item : *l) {
              bool known = false;
              for (const auto& c : choices) known = known || item == c;
              if (!known) return quoted(item) + " is not one of " + shown;
            }
            return std::nullopt;
          },
          shown};
}

const std::vector<config_key>& config_catalogue() {
  static const std::vector<config_key> catalogue = build_catalogue();
  return catalogue;
}

const config_key* find_config_key(std::string_view name) {
  for (const auto& k : config_catalogue()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<const config_key*> broker_synonyms(std::string_view topic_config) {
  std::vector<const config_key*> out;
  for (const auto& k : config_catalogue()) {
    if (!topic_config.empty() && k.topic_config == topic_config) out.push_back(&k);
  }
  return out;
}

}  // namespace sluice::server
