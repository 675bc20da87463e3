// kafka_load: the librdkafka client of bench/broker_bench.sh. Each mode prints one line of
// key=value pairs (sizes in bytes, rates in MiB/s = 2^20 bytes/s, latencies in milliseconds).
//   kafka_load create-topic <bootstrap> <topic> <partitions> [replication-factor [key=value...]]
//       Creates the topic (replication factor 1 unless given; key=value are topic configs, e.g.
//       min.insync.replicas=2) and returns once every partition has a leader and a full ISR.
//   kafka_load produce <bootstrap> <topic> <records> <record-size> <acks> <linger-ms>
//              <max-seconds> [rate]
//       Keyless records (librdkafka's default partitioner: sticky for keyless records), no
//       compression, produced without RD_KAFKA_MSG_F_COPY (librdkafka's zero-copy produce). Latency
//       is per record, from rd_kafka_producev() to its delivery report, so with no `rate` (as fast
//       as possible) it includes the time a record waits in the client's queue. With `rate`
//       (records/s) the send loop is paced and the latency is the broker's round trip plus the
//       linger.
//   kafka_load transactions <bootstrap> <topic> <transactions> <records-per-txn> <record-size>
//              <max-seconds> [transactional-id]
//       librdkafka's transactional producer (transactional.id defaults to kafka-load-<pid>):
//       init_transactions once (timed apart, as init_s: the first one makes the broker create
//       __transaction_state), then per transaction begin_transaction, <records-per-txn> keyless
//       records produced without RD_KAFKA_MSG_F_COPY, and commit_transaction, which flushes the
//       records and then ends the transaction. Latencies: each commit_transaction call (commit_*)
//       and each whole transaction from begin to the commit's return (txn_*). No new transaction
//       starts after <max-seconds>. A transaction whose commit needs an abort is aborted and
//       counted, not retried; retriable commit errors are retried.
//   kafka_load consume <bootstrap> <topic> <partitions> <max-bytes> <max-seconds>
//       Assigns every partition from its earliest offset and reads until each partition's end or
//       <max-bytes> of record values, in batches of up to 4096 messages
//       (rd_kafka_consume_batch_queue). Timed from the assignment to the last record.
// Any other librdkafka setting can be passed as KAFKA_LOAD_<name>=<value> in the environment,
// with dots written as underscores (e.g. KAFKA_LOAD_fetch_max_bytes=...).
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using clock_type = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "kafka_load: %s\n", what.c_str());
  std::exit(1);
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    die(key + "=" + value + ": " + err);
  }
}

rd_kafka_t* make_client(rd_kafka_type_t type, rd_kafka_conf_t* conf, const char* bootstrap) {
  set(conf, "bootstrap.servers", bootstrap);
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (kv.rfind("KAFKA_LOAD_", 0) != 0 || kv.find('=') == std::string::npos) continue;
    std::string key = kv.substr(11, kv.find('=') - 11);
    std::replace(key.begin(), key.end(), '_', '.');
    set(conf, key, kv.substr(kv.find('=') + 1));
  }
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) die(std::string("rd_kafka_new: ") + err);
  return rk;
}

// Creates the topic, then waits until every partition has a leader and all its replicas in sync,
// so a replicated benchmark does not start while followers are still catching up.
int create_topic(char** argv, int argc) {
  const char* bootstrap = argv[2];
  const char* topic = argv[3];
  int partitions = std::atoi(argv[4]);
  int replication = argc > 5 ? std::atoi(argv[5]) : 1;
  rd_kafka_t* rk = make_client(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), bootstrap);
  char err[512];
  rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(topic, partitions, replication, err, sizeof err);
  if (t == nullptr) die(err);
  for (int i = 6; i < argc; ++i) {  // topic configs, key=value
    std::string kv = argv[i];
    size_t eq = kv.find('=');
    if (eq == std::string::npos) die("topic config " + kv + " is not key=value");
    if (rd_kafka_NewTopic_set_config(t, kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str()) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      die("topic config " + kv);
    }
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  auto start = clock_type::now();
  rd_kafka_CreateTopics(rk, &t, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
  if (ev == nullptr) die("CreateTopics timed out");
  if (rd_kafka_event_error(ev)) die(rd_kafka_event_error_string(ev));
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      die(std::string("create ") + topic + ": " + rd_kafka_topic_result_error_string(results[i]));
    }
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(t);
  double created = seconds_since(start);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic, nullptr);
  for (bool ready = false; !ready;) {
    if (seconds_since(start) > 90) die(std::string(topic) + ": replicas not in sync after 90 s");
    const rd_kafka_metadata_t* md = nullptr;
    ready = rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
            md->topics[0].partition_cnt == partitions;
    for (int i = 0; ready && i < md->topics[0].partition_cnt; ++i) {
      const rd_kafka_metadata_partition_t& p = md->topics[0].partitions[i];
      ready = p.leader >= 0 && p.isr_cnt == replication && p.replica_cnt == replication;
    }
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  rd_kafka_topic_destroy(rkt);
  std::printf(
      "create_topic topic=%s partitions=%d replication_factor=%d seconds=%.3f "
      "in_sync_s=%.3f\n",
      topic, partitions, replication, created, seconds_since(start));
  rd_kafka_destroy(rk);
  return 0;
}

// Delivery bookkeeping: send times indexed by record number (the opaque), latencies in µs.
struct produce_state {
  std::vector<clock_type::time_point> sent;
  std::vector<int64_t> latency_us;
  int64_t delivered = 0, failed = 0;
  clock_type::time_point last_delivery;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* s = static_cast<produce_state*>(opaque);
  auto now = clock_type::now();
  s->last_delivery = now;
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (s->failed++ == 0) s->first_error = rd_kafka_err2str(m->err);
    return;
  }
  auto i = reinterpret_cast<uintptr_t>(m->_private);
  s->latency_us.push_back(
      std::chrono::duration_cast<std::chrono::microseconds>(now - s->sent[i]).count());
  ++s->delivered;
}

double percentile_ms(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return static_cast<double>(v[i]) / 1000.0;
}

double max_ms(const std::vector<int64_t>& v) {
  return v.empty() ? 0 : static_cast<double>(*std::max_element(v.begin(), v.end())) / 1000.0;
}

int64_t micros_since(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t).count();
}

// A few different incompressible payloads, made before the clock starts. Records point into them
// (no RD_KAFKA_MSG_F_COPY), so they must outlive the client.
std::vector<std::string> make_payloads(size_t size) {
  std::vector<std::string> payloads(16, std::string(size, '\0'));
  std::mt19937_64 rng(7);
  for (auto& p : payloads) {
    for (char& c : p) c = static_cast<char>(rng());
  }
  return payloads;
}

int produce(char** argv, int argc) {
  const char* bootstrap = argv[2];
  const char* topic = argv[3];
  int64_t records = std::atoll(argv[4]);
  size_t size = std::strtoull(argv[5], nullptr, 10);
  double max_seconds = std::atof(argv[8]);
  double rate = argc > 9 ? std::atof(argv[9]) : 0;
  produce_state s;
  s.sent.resize(static_cast<size_t>(records));
  s.latency_us.reserve(static_cast<size_t>(records));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "acks", argv[6]);
  set(conf, "linger.ms", argv[7]);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &s);
  rd_kafka_t* rk = make_client(RD_KAFKA_PRODUCER, conf, bootstrap);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic, nullptr);
  // Wait for the topic's metadata so connection set-up is not timed.
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("metadata");
  rd_kafka_metadata_destroy(md);

  std::vector<std::string> payloads = make_payloads(size);
  double cpu0 = cpu_seconds();
  auto start = clock_type::now();
  int64_t i = 0;
  for (; i < records; ++i) {
    if (rate > 0) {
      auto due = start + std::chrono::duration_cast<clock_type::duration>(
                             std::chrono::duration<double>(static_cast<double>(i) / rate));
      while (clock_type::now() < due) {
        rd_kafka_poll(rk, 0);
        std::this_thread::sleep_until(
            std::min(due, clock_type::now() + std::chrono::milliseconds(1)));
      }
    }
    if ((i & 1023) == 0 && seconds_since(start) > max_seconds) break;
    const std::string& p = payloads[static_cast<size_t>(i) & 15];
    s.sent[static_cast<size_t>(i)] = clock_type::now();
    for (;;) {
      // No RD_KAFKA_MSG_F_COPY: the payloads outlive the run, so librdkafka reads them in place
      // (its documented zero-copy produce) instead of allocating and copying every record.
      int err =
          rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, const_cast<char*>(p.data()), p.size(),
                           nullptr, 0, reinterpret_cast<void*>(static_cast<uintptr_t>(i)));
      if (err == 0) break;
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        die(std::string("produce: ") + rd_kafka_err2str(rd_kafka_last_error()));
      }
      rd_kafka_poll(rk, 1);  // the queue is full: serve delivery reports, then retry
    }
    rd_kafka_poll(rk, 0);
  }
  int64_t queued = i;
  if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
  double seconds = std::chrono::duration<double>(s.last_delivery - start).count();
  double cpu = cpu_seconds() - cpu0;
  double bytes = static_cast<double>(s.delivered) * static_cast<double>(size);
  double p50 = percentile_ms(s.latency_us, 0.50), p99 = percentile_ms(s.latency_us, 0.99);
  double p999 = percentile_ms(s.latency_us, 0.999);
  double max = max_ms(s.latency_us);
  std::printf(
      "produce topic=%s acks=%s linger_ms=%s records=%lld failed=%lld bytes=%.0f seconds=%.3f "
      "mib_s=%.1f records_s=%.0f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f "
      "client_cpu_s=%.2f\n",
      topic, argv[6], argv[7], static_cast<long long>(s.delivered),
      static_cast<long long>(s.failed), bytes, seconds, bytes / seconds / (1024.0 * 1024.0),
      static_cast<double>(s.delivered) / seconds, p50, p99, p999, max, cpu);
  if (s.failed > 0)
    std::fprintf(stderr, "kafka_load: %lld failed: %s\n", static_cast<long long>(s.failed),
                 s.first_error.c_str());
  if (s.delivered + s.failed != queued) std::fprintf(stderr, "kafka_load: reports missing\n");
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return s.failed > 0 ? 1 : 0;
}

// Transactional produce: counts delivery reports only (commit_transaction waits for all of them).
struct txn_state {
  int64_t delivered = 0, failed = 0;
  std::string first_error;
};

void on_txn_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* s = static_cast<txn_state*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++s->delivered;
  } else if (s->failed++ == 0) {
    s->first_error = rd_kafka_err2str(m->err);
  }
}

// Dies on an error that is neither retriable nor abortable (librdkafka's advice: treat as fatal).
void die_unless_recoverable(rd_kafka_error_t* e, const char* what) {
  if (rd_kafka_error_is_fatal(e) ||
      (!rd_kafka_error_is_retriable(e) && !rd_kafka_error_txn_requires_abort(e))) {
    die(std::string(what) + ": " + rd_kafka_error_string(e));
  }
}

int transactions(char** argv, int argc) {
  const char* bootstrap = argv[2];
  const char* topic = argv[3];
  int64_t count = std::atoll(argv[4]);
  int64_t per_txn = std::atoll(argv[5]);
  size_t size = std::strtoull(argv[6], nullptr, 10);
  double max_seconds = std::atof(argv[7]);
  std::string id = argc > 8 ? argv[8] : "kafka-load-" + std::to_string(getpid());
  if (count <= 0 || per_txn <= 0 || size == 0) die("transactions, records and size must be > 0");
  txn_state s;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "transactional.id", id);
  rd_kafka_conf_set_dr_msg_cb(conf, on_txn_delivery);
  rd_kafka_conf_set_opaque(conf, &s);
  rd_kafka_t* rk = make_client(RD_KAFKA_PRODUCER, conf, bootstrap);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic, nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("metadata");
  rd_kafka_metadata_destroy(md);
  std::vector<std::string> payloads = make_payloads(size);

  auto init_start = clock_type::now();
  for (int attempt = 0;; ++attempt) {
    rd_kafka_error_t* e = rd_kafka_init_transactions(rk, 60000);
    if (e == nullptr) break;
    if (!rd_kafka_error_is_retriable(e) || attempt == 5) {
      die(std::string("init_transactions: ") + rd_kafka_error_string(e));
    }
    rd_kafka_error_destroy(e);
  }
  double init_s = seconds_since(init_start);

  std::vector<int64_t> commit_us, txn_us;
  commit_us.reserve(static_cast<size_t>(count));
  txn_us.reserve(static_cast<size_t>(count));
  int64_t committed = 0, aborted = 0, record = 0;
  double cpu0 = cpu_seconds();
  auto start = clock_type::now();
  for (int64_t t = 0; t < count && seconds_since(start) < max_seconds; ++t) {
    auto txn_start = clock_type::now();
    if (rd_kafka_error_t* e = rd_kafka_begin_transaction(rk)) {
      die(std::string("begin_transaction: ") + rd_kafka_error_string(e));
    }
    bool abort = false;
    for (int64_t k = 0; k < per_txn && !abort; ++k, ++record) {
      const std::string& p = payloads[static_cast<size_t>(record) & 15];
      // Zero-copy, as in produce(); the queue may fill with large transactions.
      while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, const_cast<char*>(p.data()), p.size(),
                              nullptr, 0, nullptr) != 0) {
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(rk, 1);
        } else if (err == RD_KAFKA_RESP_ERR__FENCED || err == RD_KAFKA_RESP_ERR__FATAL) {
          die(std::string("produce: ") + rd_kafka_err2str(err));
        } else {
          // __STATE: the transaction has failed (an abortable error); abort_transaction says
          // whether it can be ended.
          if (s.first_error.empty())
            s.first_error = std::string("produce: ") + rd_kafka_err2str(err);
          abort = true;
          break;
        }
      }
      rd_kafka_poll(rk, 0);
    }
    auto commit_start = clock_type::now();
    while (!abort) {
      rd_kafka_error_t* e = rd_kafka_commit_transaction(rk, 60000);
      if (e == nullptr) break;
      die_unless_recoverable(e, "commit_transaction");
      abort = rd_kafka_error_txn_requires_abort(e) != 0;
      if (s.first_error.empty()) s.first_error = rd_kafka_error_string(e);
      rd_kafka_error_destroy(e);
    }
    if (abort) {
      ++aborted;
      for (;;) {
        rd_kafka_error_t* e = rd_kafka_abort_transaction(rk, 60000);
        if (e == nullptr) break;
        if (!rd_kafka_error_is_retriable(e)) {
          die(std::string("abort_transaction: ") + rd_kafka_error_string(e));
        }
        rd_kafka_error_destroy(e);
      }
      continue;
    }
    commit_us.push_back(micros_since(commit_start));
    txn_us.push_back(micros_since(txn_start));
    ++committed;
  }
  double seconds = seconds_since(start);
  double cpu = cpu_seconds() - cpu0;
  double bytes =
      static_cast<double>(committed) * static_cast<double>(per_txn) * static_cast<double>(size);
  double commit_max = max_ms(commit_us), txn_max = max_ms(txn_us);
  double commit_p50 = percentile_ms(commit_us, 0.50), commit_p90 = percentile_ms(commit_us, 0.90);
  double commit_p99 = percentile_ms(commit_us, 0.99), commit_p999 = percentile_ms(commit_us, 0.999);
  double txn_p50 = percentile_ms(txn_us, 0.50), txn_p99 = percentile_ms(txn_us, 0.99);
  std::printf(
      "transactions topic=%s transactions=%lld aborted=%lld records_per_txn=%lld "
      "records=%lld failed=%lld bytes=%.0f seconds=%.3f txn_s=%.1f mib_s=%.1f records_s=%.0f "
      "commit_p50_ms=%.2f commit_p90_ms=%.2f commit_p99_ms=%.2f commit_p999_ms=%.2f "
      "commit_max_ms=%.2f "
      "txn_p50_ms=%.2f txn_p99_ms=%.2f txn_max_ms=%.2f init_s=%.3f client_cpu_s=%.2f\n",
      topic, static_cast<long long>(committed), static_cast<long long>(aborted),
      static_cast<long long>(per_txn), static_cast<long long>(committed * per_txn),
      static_cast<long long>(s.failed), bytes, seconds, static_cast<double>(committed) / seconds,
      bytes / seconds / (1024.0 * 1024.0), static_cast<double>(committed * per_txn) / seconds,
      commit_p50, commit_p90, commit_p99, commit_p999, commit_max, txn_p50, txn_p99, txn_max,
      init_s, cpu);
  if (aborted > 0)
    std::fprintf(stderr, "kafka_load: %lld transaction(s) aborted; first error: %s\n",
                 static_cast<long long>(aborted), s.first_error.c_str());
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return committed > 0 && aborted == 0 ? 0 : 1;
}

int consume(char** argv) {
  const char* bootstrap = argv[2];
  const char* topic = argv[3];
  int partitions = std::atoi(argv[4]);
  uint64_t max_bytes = std::strtoull(argv[5], nullptr, 10);
  double max_seconds = std::atof(argv[6]);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "group.id", "sluice-bench");
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.partition.eof", "true");
  rd_kafka_t* rk = make_client(RD_KAFKA_CONSUMER, conf, bootstrap);
  rd_kafka_poll_set_consumer(rk);
  // Concrete start offsets: with RD_KAFKA_OFFSET_BEGINNING librdkafka looks the offset up on a
  // timer, which adds ~0.5 s before the first fetch and would be timed as consumer throughput.
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic, p, &low, &high, 10000) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      die("watermarks of partition " + std::to_string(p));
    }
    rd_kafka_topic_partition_list_add(list, topic, p)->offset = low;
  }
  double cpu0 = cpu_seconds();
  auto start = clock_type::now();
  if (rd_kafka_assign(rk, list) != RD_KAFKA_RESP_ERR_NO_ERROR) die("assign");
  rd_kafka_topic_partition_list_destroy(list);
  uint64_t bytes = 0, messages = 0;
  int at_end = 0;
  clock_type::time_point first{}, last = start;
  // Messages are taken in batches (rd_kafka_consume_batch_queue), not one rd_kafka_consumer_poll
  // each: the per-call queue locking was a third of the client's CPU with 16 partitions.
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
  std::vector<rd_kafka_message_t*> batch(4096);
  while (bytes < max_bytes && at_end < partitions && seconds_since(start) < max_seconds) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    if (n < 0) die(std::string("consume: ") + rd_kafka_err2str(rd_kafka_last_error()));
    for (ssize_t k = 0; k < n; ++k) {
      rd_kafka_message_t* m = batch[static_cast<size_t>(k)];
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        ++at_end;
      } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        die(std::string("consume: ") + rd_kafka_message_errstr(m));
      } else {
        if (messages++ == 0) first = clock_type::now();
        bytes += m->len;
      }
      rd_kafka_message_destroy(m);
    }
    if (n > 0) last = clock_type::now();
  }
  rd_kafka_queue_destroy(queue);
  double seconds = std::chrono::duration<double>(last - start).count();
  double from_first = std::chrono::duration<double>(last - first).count();
  double cpu = cpu_seconds() - cpu0;
  std::printf(
      "consume topic=%s partitions=%d records=%llu bytes=%llu seconds=%.3f mib_s=%.1f "
      "first_record_s=%.3f from_first_mib_s=%.1f client_cpu_s=%.2f\n",
      topic, partitions, static_cast<unsigned long long>(messages),
      static_cast<unsigned long long>(bytes), seconds,
      static_cast<double>(bytes) / seconds / (1024.0 * 1024.0), seconds - from_first,
      static_cast<double>(bytes) / from_first / (1024.0 * 1024.0), cpu);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return messages > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "create-topic" && argc >= 5) return create_topic(argv, argc);
  if (mode == "produce" && (argc == 9 || argc == 10)) return produce(argv, argc);
  if (mode == "transactions" && (argc == 8 || argc == 9)) return transactions(argv, argc);
  if (mode == "consume" && argc == 7) return consume(argv);
  std::fprintf(stderr,
               "usage: kafka_load create-topic <bootstrap> <topic> <partitions> "
               "[replication-factor [key=value...]]\n"
               "       kafka_load produce <bootstrap> <topic> <records> <record-size> <acks> "
               "<linger-ms> <max-seconds> [rate]\n"
               "       kafka_load transactions <bootstrap> <topic> <transactions> "
               "<records-per-txn> <record-size> <max-seconds> [transactional-id]\n"
               "       kafka_load consume <bootstrap> <topic> <partitions> <max-bytes> "
               "<max-seconds>\n");
  return 2;
}
