#include "server/coordinator_glue.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "protocol/record_batch.h"

namespace sluice::server {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

coordinator::append_status status_of(const replication::append_outcome& o) {
  if (!o.error) return coordinator::append_status::ok;
  switch (*o.error) {
    case replication::errc::unknown_topic_or_partition:
    case replication::errc::not_leader:
      return coordinator::append_status::not_leader;
    case replication::errc::message_too_large:
    case replication::errc::record_list_too_large:
      return coordinator::append_status::too_large;
    case replication::errc::not_enough_replicas:
    case replication::errc::not_enough_replicas_after_append:
    case replication::errc::request_timed_out:
      return coordinator::append_status::unavailable;
    case replication::errc::invalid_producer_epoch:
      return coordinator::append_status::fenced;
    default:
      return coordinator::append_status::failed;
  }
}

}  // namespace

void internal_topic_log::append(
    int32_t partition, std::vector<coordinator::log_record> records,
    coordinator::unique_function<void(coordinator::append_status)> done) {
  protocol::batch_builder_options options;
  if (!records.empty() && records.front().txn) {
    // TxnOffsetCommit: the producer's transactional batch (no sequence, as Kafka writes it).
    options.producer_id = records.front().txn->producer_id;
    options.producer_epoch = records.front().txn->producer_epoch;
    options.transactional = true;
  }
  protocol::record_batch_builder builder(options);
  for (const auto& r : records) {
    std::optional<protocol::bytes_view> value;
    if (r.value) value = protocol::bytes_view(*r.value);
    builder.add(r.timestamp_ms >= 0 ? r.timestamp_ms : now_ms(), protocol::bytes_view(r.key),
                value);
  }
  auto built = builder.build();
  if (!built) {
    spdlog::error("cannot build a {} batch: {}", topic_, protocol::to_string(built.code()));
    return done(coordinator::append_status::failed);
  }
  // The batch must outlive the append; the completion owns it.
  auto batch = std::make_shared<protocol::bytes>(std::move(*built));
  auto callback = std::make_shared<decltype(done)>(std::move(done));
  std::vector<replication::append_entry> entries{
      {topic_, partition, std::span<uint8_t>(*batch), replication::append_origin::coordinator}};
  replicas_.append(-1, 30'000, std::move(entries),
                   [batch, callback, topic = topic_,
                    partition](std::vector<replication::append_outcome> outcomes) {
                     const auto& o = outcomes.front();
                     if (o.error)
                       spdlog::debug("append to {}-{} failed: {} {}", topic, partition,
                                     replication::to_string(*o.error), o.message);
                     (*callback)(status_of(o));
                   });
}

void internal_topic_log::read(int32_t partition,
                              std::function<void(std::vector<coordinator::log_record>)> chunk,
                              coordinator::unique_function<void(bool ok)> done) {
  int64_t offset = 0;
  std::vector<uint8_t> scratch;
  for (;;) {
    auto read = replicas_.read_batches(topic_, partition, offset, 1 << 20);
    if (!read) {
      spdlog::error("loading {}-{}: {}", topic_, partition, replication::to_string(read.code()));
      return done(false);
    }
    std::vector<coordinator::log_record> records;
    std::span<const uint8_t> rest(read->data);
    while (rest.size() >= protocol::batch_header::size) {
      auto h = protocol::batch_header::parse(rest);
      if (!h || h->total_size() > static_cast<int64_t>(rest.size())) break;
      auto one = rest.first(static_cast<size_t>(h->total_size()));
      rest = rest.subspan(one.size());
      auto view = protocol::record_batch_view::open(one, scratch);
      if (!view) {
        spdlog::error("{}-{}: unreadable batch at offset {}: {}", topic_, partition, h->base_offset,
                      protocol::to_string(view.code()));
        return done(false);
      }
      std::optional<coordinator::txn_tag> txn;
      if (h->is_transactional()) txn = coordinator::txn_tag{h->producer_id, h->producer_epoch, {}};
      auto ok = view->for_each([&](const protocol::record_view& r) {
        coordinator::log_record rec;
        rec.timestamp_ms = r.timestamp(view->header());
        if (h->is_control()) {
          // A transaction's end: the marker settles the producer's offsets held before it.
          auto marker = protocol::parse_end_txn_marker(r);
          if (!marker || !txn) return;  // other control records mean nothing here
          rec.txn = txn;
          rec.txn->marker_commits = marker->type == protocol::control_type::commit;
          records.push_back(std::move(rec));
          return;
        }
        if (r.key) rec.key.assign(r.key->begin(), r.key->end());
        if (r.value) rec.value = protocol::bytes(r.value->begin(), r.value->end());
        rec.txn = txn;
        records.push_back(std::move(rec));
      });
      if (!ok) return done(false);
    }
    if (!records.empty()) chunk(std::move(records));
    if (read->at_end || read->next_offset <= offset) break;
    offset = read->next_offset;
  }
  done(true);
}

void coordinator_timer::start(std::function<void()> fire) {
  fire_ = std::move(fire);
  thread_ = std::thread([this] { loop(); });
}

void coordinator_timer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void coordinator_timer::arm(std::optional<int64_t> deadline_ms) {
  {
    std::lock_guard lock(mutex_);
    deadline_ = deadline_ms;
  }
  wake_.notify_all();
}

void coordinator_timer::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!deadline_) {
      wake_.wait(lock);
      continue;
    }
    int64_t wait = *deadline_ - now_ms();
    if (wait > 0) {
      wake_.wait_for(lock, std::chrono::milliseconds(wait));
      continue;
    }
    deadline_.reset();
    lock.unlock();
    fire_();  // may re-arm
    lock.lock();
  }
}

}  // namespace sluice::server
