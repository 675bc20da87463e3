// The controller's I/O driver: election through /controller and /controller_epoch, loading and
// watching ZooKeeper, executing controller_state's decisions. Everything runs on one worker
// thread fed by an event queue; ZooKeeper watches, session events and the request methods only
// enqueue.
#include "cluster/controller.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cluster/controller_channel.h"
#include "cluster/controller_state.h"
#include "cluster/zk_layout.h"
#include "protocol/error_code.h"

namespace sluice::cluster {
namespace {

using clock = std::chrono::steady_clock;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int32_t> parse_int(std::string_view text) {
  int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

int16_t not_controller_code() {
  return static_cast<int16_t>(protocol::error_code::not_controller);
}

}  // namespace

struct controller::impl {
  impl(controller_options o, zk_session& session)
      : options(std::move(o)),
        zk(session),
        state(state_options(options)),
        channel(options.broker_id, options.inter_broker_listener,
                std::chrono::milliseconds(options.request_timeout_ms), deletion_listener(link),
                options.security) {}

  static controller_state_options state_options(const controller_options& o) {
    controller_state_options s;
    s.broker_id = o.broker_id;
    s.inter_broker_listener = o.inter_broker_listener;
    s.unclean_leader_election = o.unclean_leader_election;
    s.delete_topic_enable = o.delete_topic_enable;
    s.leader_imbalance_per_broker_percentage = o.leader_imbalance_per_broker_percentage;
    return s;
  }

  // ---- the event queue
  // ---------------------------------------------------------------------------

  bool post(std::function<void()> event) {
    {
      std::lock_guard lock(mutex);
      if (stopping) return false;
      events.push_back(std::move(event));
    }
    wake.notify_all();
    return true;
  }

  // A watch that turns into `event` if it fires during the term it was set in. It reaches this
  // object through `link`, so a watch firing after the controller is gone does nothing.
  zk_watcher watch_for(std::function<void()> event) {
    const uint64_t term = generation.load();
    return [link = link, term, event = std::move(event)](const zk_watch_event& e) {
      if (e.what == zk_watch_event::kind::session_lost) return;
      link->post([link, term, event] {
        impl* self = link->target.load();  // null once the controller stopped
        if (self != nullptr && term == self->generation.load()) event();
      });
    };
  }

  void run() {
    auto next_rebalance = clock::now() + rebalance_interval();
    while (true) {
      std::function<void()> event;
      {
        std::unique_lock lock(mutex);
        const auto deadline = contend_at ? std::min(*contend_at, next_rebalance) : next_rebalance;
        wake.wait_until(lock, deadline, [&] { return stopping || !events.empty(); });
        if (stopping) return;
        if (!events.empty()) {
          event = std::move(events.front());
          events.pop_front();
        }
      }
      if (event) {
        event();
        continue;
      }
      const auto now = clock::now();
      if (contend_at && now >= *contend_at) {
        contend_at.reset();
        contend();
      }
      if (now >= next_rebalance) {
        next_rebalance = now + rebalance_interval();
        if (active.load() && options.auto_leader_rebalance) apply(state.rebalance_leaders());
      }
    }
  }

  std::chrono::milliseconds rebalance_interval() const {
    return std::chrono::seconds(std::max(1, options.leader_imbalance_check_interval_seconds));
  }

  // ---- election
  // ------------------------------------------------------------------------------------

  void retry_contend_later() { contend_at = clock::now() + std::chrono::seconds(1); }

  // As Kafka: /controller is created and /controller_epoch bumped in one multi-op, so whoever
  // sees the new /controller also sees the new epoch, and a contender that loses the node leaves
  // the epoch alone.
  void contend() {
    if (active.load() || stopped) return;
    const std::string path(zk_layout::controller);
    auto exists = zk.exists(path, watch_once(path, [this] { contend(); }));
    if (!exists) {
      watched_paths.erase(path);
      retry_contend_later();
      return;
    }
    if (exists->has_value()) {
      // Held — by this very session after a reconnect, or by someone else (then wait).
      auto current = zk.get(path);
      if (!current) return;
      auto owner = zk_layout::decode_controller(current->data);
      if (!owner || *owner != options.broker_id || current->stat.ephemeral_owner != zk.session_id())
        return;
      auto claim = claim_epoch(std::nullopt);
      if (!claim) return start_over("cannot bump " + std::string(zk_layout::controller_epoch));
      won(*claim);
      return;
    }
    bool taken = false;
    auto claim =
        claim_epoch(zk_op::create(path, zk_layout::encode_controller(options.broker_id, now_ms()),
                                  zk_create_mode::ephemeral),
                    &taken);
    if (!claim) {
      if (!taken) {
        spdlog::warn("Controller: cannot create {}; retrying", path);
        retry_contend_later();
      }
      return;  // lost: the watch set above reports the node's fate
    }
    won(*claim);
  }

  struct epoch_claim {
    int32_t epoch;
    int32_t zk_version;  // /controller_epoch's version once set to `epoch`
  };

  // Sets /controller_epoch to one more than it holds (creating it with 0 first, as Kafka), in one
  // multi-op with `with` (the creation of /controller) if given. nullopt when `with` failed
  // (`taken` set if the node exists: someone else won) or ZooKeeper is in trouble.
  std::optional<epoch_claim> claim_epoch(std::optional<zk_op> with, bool* taken = nullptr) {
    const std::string path(zk_layout::controller_epoch);
    for (int attempt = 0; attempt < 10; ++attempt) {
      auto node = zk.get(path);
      if (!node && node.code() == zk_errc::no_node) {
        auto created = zk.create(path, "0");
        if (!created && created.code() != zk_errc::node_exists) return std::nullopt;
        continue;
      }
      if (!node) return std::nullopt;
      const int32_t next = parse_int(node->data).value_or(0) + 1;
      std::vector<zk_op> ops{zk_op::set(path, std::to_string(next), node->stat.version)};
      if (with) ops.push_back(*with);
      size_t failed = ops.size();
      auto done = zk.multi(ops, &failed);
      if (done) return epoch_claim{.epoch = next, .zk_version = (*done)[0].stat.version};
      // Someone bumped the epoch meanwhile: read it again (a winner's node fails the next try).
      if (failed == 0 && done.code() == zk_errc::bad_version) continue;
      if (failed == 1 && done.code() == zk_errc::node_exists && taken != nullptr) *taken = true;
      return std::nullopt;
    }
    return std::nullopt;
  }

  void won(const epoch_claim& claim) {
    const int32_t new_epoch = claim.epoch;
    ++generation;
    watched_paths.clear();
    for (auto path : {zk_layout::broker_ids, zk_layout::broker_topics, zk_layout::delete_topics}) {
      auto made = zk.create_recursive(std::string(path), "");
      if (!made && made.code() != zk_errc::node_exists)
        spdlog::warn("Controller: cannot create {}: {}", path, to_string(made.code()));
    }
    // Notice losing /controller (deleted, or rewritten by someone else).
    auto watched = zk.exists(std::string(zk_layout::controller),
                             watch_for([this] { check_still_controller(); }));
    if (!watched || !watched->has_value()) post([this] { check_still_controller(); });
    // Everything must be read: deciding on a partial view (say, no live brokers) would be wrong.
    auto brokers = load_brokers();
    std::vector<loaded_topic> topics;
    auto names =
        zk.children(std::string(zk_layout::broker_topics), watch_for([this] { topics_changed(); }));
    bool complete = brokers.has_value() && names.ok();
    if (complete) {
      for (const auto& name : *names) {
        auto t = load_topic(name);
        if (t.failed) complete = false;
        if (t.topic) topics.push_back(std::move(*t.topic));
      }
    }
    auto deletions = zk.children(std::string(zk_layout::delete_topics),
                                 watch_for([this] { deletions_changed(); }));
    if (!complete || !deletions) {
      start_over("cannot read the cluster state from ZooKeeper");
      return;
    }
    active = true;
    epoch = new_epoch;
    epoch_zk_version = claim.zk_version;
    spdlog::info(
        "Controller: broker {} is the controller (epoch {}), {} live broker(s), {} topic(s)",
        options.broker_id, new_epoch, brokers->size(), topics.size());
    std::map<int32_t, live_broker> by_id;
    for (const auto& b : *brokers) by_id[b.info.id] = b;
    channel.set_brokers(by_id);
    apply(state.became_controller(new_epoch, std::move(*brokers), std::move(topics),
                                  std::move(*deletions)));
  }

  void check_still_controller() {
    if (!active.load()) return;
    auto node =
        zk.get(std::string(zk_layout::controller), watch_for([this] { check_still_controller(); }));
    bool ours = false;
    if (node) {
      auto owner = zk_layout::decode_controller(node->data);
      ours = owner && *owner == options.broker_id && node->stat.ephemeral_owner == zk.session_id();
    }
    if (ours) return;
    resign("lost " + std::string(zk_layout::controller));
    contend();
  }

  void resign(const std::string& why) {
    if (active.load()) spdlog::info("Controller: broker {} resigns ({})", options.broker_id, why);
    active = false;
    epoch = -1;
    epoch_zk_version = -1;
    ++generation;
    watched_paths.clear();
    state.resigned();
    channel.clear();
  }

  // ZooKeeper cannot be read or written (for longer than the session's operation timeout):
  // give up the role and contend again later, starting from what ZooKeeper then holds.
  void start_over(const std::string& why) {
    spdlog::warn("Controller: broker {}: {}; starting over", options.broker_id, why);
    resign(why);
    release_controller_node();
    retry_contend_later();
  }

  void release_controller_node() {
    const std::string path(zk_layout::controller);
    auto node = zk.get(path);
    if (!node) return;
    auto owner = zk_layout::decode_controller(node->data);
    if (owner && *owner == options.broker_id && node->stat.ephemeral_owner == zk.session_id())
      (void)zk.remove(path, node->stat.version);
  }

  // ---- loading ----------------------------------------------------------------------------------

  // nullopt: ZooKeeper could not be read.
  std::optional<std::vector<live_broker>> load_brokers() {
    std::vector<live_broker> out;
    auto ids =
        zk.children(std::string(zk_layout::broker_ids), watch_for([this] { brokers_changed(); }));
    if (!ids) return std::nullopt;
    for (const auto& name : *ids) {
      auto id = parse_int(name);
      if (!id) continue;
      auto node = zk.get(zk_layout::broker_path(*id));
      if (!node && node.code() == zk_errc::no_node) continue;  // left meanwhile
      if (!node) return std::nullopt;
      auto info = zk_layout::decode_broker(*id, node->data);
      if (!info) {
        spdlog::warn("Controller: unreadable registration of broker {}: {}", *id, info.message());
        continue;
      }
      out.push_back({std::move(*info), node->stat.czxid});
    }
    return out;
  }

  struct topic_load {
    bool failed = false;                // ZooKeeper could not be read
    std::optional<loaded_topic> topic;  // absent (or unreadable) when empty
  };

  topic_load load_topic(const std::string& name) {
    topic_load out;
    const std::string path = zk_layout::topic_path(name);
    auto node = zk.get(path, watch_once(path, [this, name] { topic_data_changed(name); }));
    if (!node) {
      watched_paths.erase(path);  // no watch is left on a node that does not exist
      out.failed = node.code() != zk_errc::no_node;
      return out;
    }
    auto assignment = zk_layout::decode_topic_assignment(node->data);
    if (!assignment) {
      spdlog::warn("Controller: unreadable assignment of topic {}: {}", name, assignment.message());
      return out;
    }
    loaded_topic t;
    t.name = name;
    t.id = assignment->topic_id;
    t.assignment = assignment->partitions;
    t.adding = assignment->adding_replicas;
    t.removing = assignment->removing_replicas;
    for (const auto& [p, replicas] : t.assignment) {
      auto s = zk.get(zk_layout::partition_state_path(name, p));
      if (!s && s.code() != zk_errc::no_node) out.failed = true;
      if (!s) continue;
      auto decoded = zk_layout::decode_partition_state(s->data);
      if (decoded) t.states[p] = {std::move(*decoded), s->stat.version};
    }
    // The topic's overrides (unclean.leader.election.enable) may change while it exists.
    const std::string config_path = zk_layout::topic_config_path(name);
    auto config_exists =
        zk.exists(config_path, watch_once(config_path, [this, name] { topic_data_changed(name); }));
    if (!config_exists) watched_paths.erase(config_path);
    if (auto config = zk.get(config_path)) {
      if (auto c = zk_layout::decode_entity_config(config->data)) {
        auto it = c->find("unclean.leader.election.enable");
        if (it != c->end()) t.unclean_leader_election = it->second == "true";
      }
    }
    out.topic = std::move(t);
    return out;
  }

  // A watch on `path` unless one set this term is still pending (watches are one-shot, and each
  // reload would otherwise add another).
  zk_watcher watch_once(const std::string& path, std::function<void()> event) {
    if (!watched_paths.insert(path).second) return nullptr;
    return watch_for([this, path, event = std::move(event)] {
      watched_paths.erase(path);
      event();
    });
  }

  // ---- watch events -----------------------------------------------------------------------------

  void brokers_changed() {
    if (!active.load()) return;
    auto brokers = load_brokers();
    if (!brokers) return start_over("cannot read " + std::string(zk_layout::broker_ids));
    std::map<int32_t, live_broker> by_id;
    for (const auto& b : *brokers) by_id[b.info.id] = b;
    channel.set_brokers(by_id);
    apply(state.brokers_changed(std::move(*brokers)));
  }

  void topics_changed() {
    if (!active.load()) return;
    auto names =
        zk.children(std::string(zk_layout::broker_topics), watch_for([this] { topics_changed(); }));
    if (!names) return start_over("cannot read " + std::string(zk_layout::broker_topics));
    std::set<std::string> present(names->begin(), names->end());
    for (const auto& known : state.topic_names()) {
      if (!present.contains(known)) apply(state.topic_changed(known, std::nullopt));
    }
    const auto known_names = state.topic_names();
    std::set<std::string> known(known_names.begin(), known_names.end());
    for (const auto& name : present) {
      if (known.contains(name)) continue;
      auto t = load_topic(name);
      if (t.failed) return start_over("cannot read topic " + name);
      if (t.topic) apply(state.topic_changed(name, std::move(t.topic)));
    }
  }

  void topic_data_changed(const std::string& name) {
    if (!active.load()) return;
    auto t = load_topic(name);
    if (t.failed) return start_over("cannot read topic " + name);
    apply(state.topic_changed(name, std::move(t.topic)));
  }

  void deletions_changed() {
    if (!active.load()) return;
    auto names = zk.children(std::string(zk_layout::delete_topics),
                             watch_for([this] { deletions_changed(); }));
    if (!names) return start_over("cannot read " + std::string(zk_layout::delete_topics));
    if (names->empty()) return;
    // A marker may arrive before this controller has seen the topic itself.
    const auto known_names = state.topic_names();
    std::set<std::string> known(known_names.begin(), known_names.end());
    for (const auto& name : *names) {
      if (known.contains(name)) continue;
      auto t = load_topic(name);
      if (t.failed) return start_over("cannot read topic " + name);
      if (t.topic) apply(state.topic_changed(name, std::move(t.topic)));
    }
    apply(state.deletions_requested(*names));
  }

  void replicas_deleted(int32_t broker,
                        const std::map<std::string, std::vector<int32_t>>& deleted) {
    if (!active.load()) return;
    for (const auto& [topic, partitions] : deleted)
      apply(state.replicas_deleted(broker, topic, partitions));
  }

  void session_event(zk_session::state s) {
    if (s != zk_session::state::expired_and_reconnected) return;
    resign("ZooKeeper session expired");
    contend();
  }

  // ---- executing decisions
  // ------------------------------------------------------------------------

  // Kafka fences every controller write with /controller_epoch's zkVersion: the write goes in one
  // multi-op after a check of the version this controller's claim gave the node, so a controller
  // superseded without noticing (its session alive, its /controller watch not yet fired) writes
  // nothing. A failed check sets epoch_lost; the caller resigns.
  zk_result<zk_op_result> fenced_write(zk_op write) {
    if (epoch_zk_version < 0) {  // no claim to check against (version -1 would match any)
      epoch_lost = true;
      return fail(zk_errc::bad_version, "no controller epoch claimed");
    }
    const std::vector<zk_op> ops{
        zk_op::check(std::string(zk_layout::controller_epoch), epoch_zk_version), std::move(write)};
    size_t failed = ops.size();
    auto done = zk.multi(ops, &failed);
    if (done) return std::move((*done)[1]);
    if (failed == 0) epoch_lost = true;  // bad_version, or no_node if the epoch node is gone
    return std::move(done).error();
  }

  state_write_result write_state(const state_write& w) {
    const std::string path = zk_layout::partition_state_path(w.topic, w.partition);
    const std::string data = zk_layout::encode_partition_state(w.state);
    state_write_result r;
    if (!w.expected_version) {
      auto created = fenced_write(zk_op::create(path, data));
      if (!created && !epoch_lost && created.code() == zk_errc::no_node) {
        // A new partition: its parent znodes (empty) first, then the state, fenced.
        auto parent = zk.create_recursive(zk_layout::partition_path(w.topic, w.partition), "");
        if (parent || parent.code() == zk_errc::node_exists)
          created = fenced_write(zk_op::create(path, data));
      }
      if (created) {
        r.ok = true;
        r.new_version = 0;
        return r;
      }
      if (epoch_lost) return r;
      if (created.code() != zk_errc::node_exists) zk_failed = true;
    } else {
      auto set = fenced_write(zk_op::set(path, data, *w.expected_version));
      if (set) {
        r.ok = true;
        r.new_version = set->stat.version;
        return r;
      }
      if (epoch_lost) return r;
      if (set.code() != zk_errc::bad_version && set.code() != zk_errc::no_node) zk_failed = true;
    }
    // Lost a race (or ZooKeeper trouble): report what is there now.
    auto current = zk.get(path);
    if (current) {
      if (auto decoded = zk_layout::decode_partition_state(current->data))
        r.current = stored_partition_state{std::move(*decoded), current->stat.version};
    }
    return r;
  }

  void remove_topic(const std::string& name) {
    auto ignore_absent = [&](zk_result<void> r, const std::string& path) {
      if (!r && r.code() != zk_errc::no_node)
        spdlog::warn("Controller: cannot remove {}: {}", path, to_string(r.code()));
    };
    ignore_absent(zk.remove_recursive(zk_layout::topic_path(name)), zk_layout::topic_path(name));
    ignore_absent(zk.remove(zk_layout::topic_config_path(name)),
                  zk_layout::topic_config_path(name));
    ignore_absent(zk.remove(zk_layout::delete_topic_path(name)),
                  zk_layout::delete_topic_path(name));
    spdlog::info("Controller: deleted topic {}", name);
  }

  void apply(controller_actions actions) {
    zk_failed = false;
    while (true) {
      for (const auto& name : actions.topic_removals) remove_topic(name);
      for (const auto& name : actions.deletion_marker_removals) {
        auto r = zk.remove(zk_layout::delete_topic_path(name));
        (void)r;
      }
      for (const auto& w : actions.assignment_writes) {
        write_assignment(w);
        if (epoch_lost) break;
      }
      if (epoch_lost) {
        lost_epoch();
        break;
      }
      for (auto& request : actions.requests) channel.send(request.broker, std::move(request.body));
      deliver(alter_partition_waiters, actions.alter_partition_replies);
      deliver(shutdown_waiters, actions.shutdown_replies);
      deliver(elect_waiters, actions.elect_leaders_replies);
      deliver(reassignment_waiters, actions.reassignment_replies);
      if (actions.state_writes.empty()) break;
      std::vector<state_write_result> results;
      for (const auto& w : actions.state_writes) {
        results.push_back(write_state(w));
        if (epoch_lost) break;
      }
      if (epoch_lost) {
        lost_epoch();
        break;
      }
      actions = state.writes_done(results);
    }
    if (zk_failed) {
      zk_failed = false;
      // Writes failed for a reason other than a lost race: the session is in trouble.
      start_over("ZooKeeper writes failing");
    }
    fail_orphaned_waiters();
  }

  // Nothing was written under the stale epoch. Still holding /controller (a claim race),
  // contending claims a new epoch; otherwise the /controller watch has the news.
  void lost_epoch() {
    epoch_lost = false;
    resign("a newer controller holds " + std::string(zk_layout::controller_epoch));
    post([this] { contend(); });
  }

  // Sets the partitions' replica lists (and reassignment lists) in the topic znode: read, change,
  // write conditionally on the version read (fenced), so partitions another broker added
  // meanwhile (CreatePartitions) are kept — Kafka's controller overwrites the znode whole.
  void write_assignment(const assignment_write& w) {
    const std::string path = zk_layout::topic_path(w.topic);
    for (int attempt = 0; attempt < 10; ++attempt) {
      auto node = zk.get(path);
      if (!node) {
        if (node.code() != zk_errc::no_node) zk_failed = true;
        return;  // the topic is gone
      }
      auto assignment = zk_layout::decode_topic_assignment(node->data);
      if (!assignment) {
        spdlog::warn("Controller: unreadable assignment of topic {}: {}", w.topic,
                     assignment.message());
        return;
      }
      for (const auto& [p, view] : w.partitions) {
        assignment->partitions[p] = view.replicas;
        assignment->adding_replicas.erase(p);
        assignment->removing_replicas.erase(p);
        if (!view.adding.empty()) assignment->adding_replicas[p] = view.adding;
        if (!view.removing.empty()) assignment->removing_replicas[p] = view.removing;
      }
      auto set = fenced_write(
          zk_op::set(path, zk_layout::encode_topic_assignment(*assignment), node->stat.version));
      if (set || epoch_lost) return;
      if (set.code() != zk_errc::bad_version) {
        zk_failed = true;
        return;
      }
    }
    zk_failed = true;
  }

  template <class Response>
  using waiter_map = std::map<uint64_t, unique_function<void(Response)>>;

  template <class Response>
  static void deliver(waiter_map<Response>& waiters,
                      std::vector<std::pair<uint64_t, Response>>& replies) {
    for (auto& [id, response] : replies) {
      auto it = waiters.find(id);
      if (it == waiters.end()) continue;
      auto done = std::move(it->second);
      waiters.erase(it);
      done(std::move(response));
    }
  }

  template <class Response>
  static void fail_all(waiter_map<Response>& waiters) {
    for (auto& [id, done] : waiters) {
      Response r;
      r.error_code = not_controller_code();
      done(std::move(r));
    }
    waiters.clear();
  }

  // Replies that the state machine will never send (it resigned meanwhile).
  void fail_orphaned_waiters() {
    if (active.load()) return;
    fail_all(alter_partition_waiters);
    fail_all(shutdown_waiters);
    fail_all(elect_waiters);
    fail_all(reassignment_waiters);
  }

  // What ZooKeeper callbacks hold: cleared (under its mutex) when the controller stops.
  struct link_t {
    std::mutex mutex;
    std::atomic<impl*> target{nullptr};
    void post(std::function<void()> event) {
      std::lock_guard lock(mutex);
      if (impl* t = target.load()) t->post(std::move(event));
    }
  };

  // Tells the worker which replicas answered a StopReplica(delete), so a topic's deletion can
  // complete. Runs on a sender thread; reaches the controller through `link`.
  static controller_channel::answered_fn deletion_listener(const std::shared_ptr<link_t>& link) {
    return [link](int32_t broker, const broker_request_body& body) {
      const auto* stop = std::get_if<protocol::stop_replica_request>(&body);
      if (stop == nullptr) return;
      std::map<std::string, std::vector<int32_t>> deleted;
      for (const auto& t : stop->topic_states) {
        for (const auto& p : t.partition_states) {
          if (p.delete_partition) deleted[t.topic_name].push_back(p.partition_index);
        }
      }
      if (deleted.empty()) return;
      link->post([link, broker, deleted] {
        if (impl* self = link->target.load()) self->replicas_deleted(broker, deleted);
      });
    };
  }

  controller_options options;
  zk_session& zk;
  std::shared_ptr<link_t> link = std::make_shared<link_t>();
  controller_state state;
  controller_channel channel;

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> events;
  bool stopping = false;
  bool started = false;
  bool stopped = false;  // worker-side: no more contending
  std::thread worker;
  std::optional<clock::time_point> contend_at;

  std::atomic<bool> active{false};
  std::atomic<int32_t> epoch{-1};
  std::atomic<uint64_t> generation{0};
  bool zk_failed = false;
  bool epoch_lost = false;        // a fenced write found /controller_epoch claimed by another
  int32_t epoch_zk_version = -1;  // /controller_epoch's version as this controller's claim set it

  // Worker-thread only.
  std::set<std::string> watched_paths;
  uint64_t next_reply_id = 1;
  waiter_map<protocol::alter_partition_response> alter_partition_waiters;
  waiter_map<protocol::controlled_shutdown_response> shutdown_waiters;
  waiter_map<protocol::elect_leaders_response> elect_waiters;
  waiter_map<protocol::alter_partition_reassignments_response> reassignment_waiters;
};

controller::controller(controller_options options, zk_session& zk)
    : impl_(std::make_unique<impl>(std::move(options), zk)) {}

controller::~controller() {
  stop();
}

void controller::start() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->started) return;
    impl_->started = true;
  }
  impl* self = impl_.get();
  impl_->link->target = self;
  impl_->zk.on_session_event([link = impl_->link](zk_session::state s) {
    link->post([link, s] {
      if (impl* t = link->target.load()) t->session_event(s);
    });
  });
  impl_->worker = std::thread([self] { self->run(); });
  impl_->post([self] { self->contend(); });
}

void controller::stop() {
  {
    std::lock_guard lock(impl_->link->mutex);
    impl_->link->target = nullptr;
  }
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->started || impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
  impl_->stopped = true;
  const bool was_active = impl_->active.load();
  impl_->resign("stopping");
  if (was_active) impl_->release_controller_node();
  // Whatever is still queued meets an inactive controller: requests are answered NOT_CONTROLLER.
  std::deque<std::function<void()>> rest;
  {
    std::lock_guard lock(impl_->mutex);
    rest.swap(impl_->events);
  }
  for (auto& event : rest) event();
  impl_->fail_orphaned_waiters();
}

void controller::set_unclean_leader_election_default(bool enabled) {
  impl* self = impl_.get();
  self->post([self, enabled] {
    auto actions = self->state.unclean_leader_election_default_changed(enabled);
    if (self->active.load()) self->apply(std::move(actions));
  });
}

bool controller::active() const {
  return impl_->active.load();
}

int32_t controller::epoch() const {
  return impl_->epoch.load();
}

// Runs `decide(reply id)` on the worker with `done` registered under that id in `waiters`; an
// inactive (or stopping) controller answers NOT_CONTROLLER at once.
template <class Response, class Decide>
void controller::submit(waiter_map_ptr<Response> waiters, unique_function<void(Response)> done,
                        Decide decide) {
  auto not_controller = [](unique_function<void(Response)>& reply) {
    Response r;
    r.error_code = not_controller_code();
    reply(std::move(r));
  };
  if (!active()) return not_controller(done);
  auto shared = std::make_shared<unique_function<void(Response)>>(std::move(done));
  impl* self = impl_.get();
  const bool queued = impl_->post([self, waiters, shared, decide = std::move(decide)] {
    const uint64_t id = self->next_reply_id++;
    (self->*waiters).emplace(id, std::move(*shared));
    self->apply(decide(id));
  });
  if (!queued) not_controller(*shared);
}

void controller::alter_partition(protocol::alter_partition_request request, int16_t version,
                                 unique_function<void(protocol::alter_partition_response)> done) {
  impl* self = impl_.get();
  submit(&impl::alter_partition_waiters, std::move(done),
         [self, request = std::move(request), version](uint64_t id) {
           return self->state.alter_partition(id, request, version);
         });
}

void controller::controlled_shutdown(
    protocol::controlled_shutdown_request request, int16_t /*version*/,
    unique_function<void(protocol::controlled_shutdown_response)> done) {
  impl* self = impl_.get();
  submit(&impl::shutdown_waiters, std::move(done),
         [self, request = std::move(request)](uint64_t id) {
           return self->state.controlled_shutdown(id, request);
         });
}

void controller::elect_leaders(protocol::elect_leaders_request request, int16_t /*version*/,
                               unique_function<void(protocol::elect_leaders_response)> done) {
  impl* self = impl_.get();
  submit(&impl::elect_waiters, std::move(done), [self, request = std::move(request)](uint64_t id) {
    return self->state.elect_leaders(id, request);
  });
}

void controller::alter_reassignments(
    protocol::alter_partition_reassignments_request request,
    unique_function<void(protocol::alter_partition_reassignments_response)> done) {
  impl* self = impl_.get();
  submit(&impl::reassignment_waiters, std::move(done),
         [self, request = std::move(request)](uint64_t id) {
           return self->state.alter_reassignments(id, request);
         });
}

void controller::check_broker_epoch(int32_t broker, int64_t epoch,
                                    unique_function<void(protocol::error_code)> done) {
  auto shared = std::make_shared<unique_function<void(protocol::error_code)>>(std::move(done));
  impl* self = impl_.get();
  const bool queued = impl_->post(
      [self, broker, epoch, shared] { (*shared)(self->state.check_broker_epoch(broker, epoch)); });
  if (!queued) (*shared)(protocol::error_code::not_controller);
}

void controller::list_reassignments(
    protocol::list_partition_reassignments_request request,
    unique_function<void(protocol::list_partition_reassignments_response)> done) {
  auto shared =
      std::make_shared<unique_function<void(protocol::list_partition_reassignments_response)>>(
          std::move(done));
  impl* self = impl_.get();
  const bool queued = impl_->post([self, request = std::move(request), shared] {
    (*shared)(self->state.list_reassignments(request));  // NOT_CONTROLLER when inactive
  });
  if (!queued) {
    protocol::list_partition_reassignments_response r;
    r.error_code = not_controller_code();
    (*shared)(std::move(r));
  }
}

}  // namespace sluice::cluster
