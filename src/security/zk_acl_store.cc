#include "security/zk_acl_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "security/acl_zk_layout.h"

namespace sluice::security {

namespace {

using cluster::zk_errc;
namespace layout = acl_zk_layout;

constexpr int max_update_retries = 10;  // Kafka's maxUpdateRetries
constexpr int64_t change_expiration_ms = 15 * 60 * 1000;

failure<acl_errc> unavailable(std::string_view what, const failure<zk_errc>& e) {
  return fail(
      acl_errc::unavailable,
      fmt::format("{}: {}", what, e.message.empty() ? cluster::to_string(e.code) : e.message));
}

void backoff() {
  thread_local std::minstd_rand random(std::random_device{}());
  std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 50));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct versioned {
  acl_set acls;
  std::optional<int32_t> version;  // nullopt: no znode
};

acl_result<versioned> read_versioned(cluster::zk_session& zk, const resource_pattern& pattern) {
  const auto path = layout::resource_path(pattern);
  auto node = zk.get(path);
  if (!node) {
    if (node.code() == zk_errc::no_node) return versioned{};
    return unavailable(path, node.error());
  }
  auto acls = layout::decode_acls(node->data);
  if (!acls) return fail(acl_errc::unavailable, fmt::format("{}: {}", path, acls.message()));
  return versioned{std::move(*acls), node->stat.version};
}

// Children of `path`, none when it does not exist.
acl_result<std::vector<std::string>> children_of(cluster::zk_session& zk, const std::string& path) {
  auto names = zk.children(path);
  if (!names && names.code() == zk_errc::no_node) return std::vector<std::string>{};
  if (!names) return unavailable(path, names.error());
  return std::move(names).value();
}

}  // namespace

// The change-notice listener of both change roots. `mutex` is held while notices are processed
// and callbacks run, so stop() waits for a running callback. Held weakly by ZooKeeper watches.
struct zk_acl_store::watcher : std::enable_shared_from_this<watcher> {
  explicit watcher(cluster::zk_session& zk) : zk(zk) {}

  void start(changed_fn on_changed, std::function<void()> on_reload);
  void stop() {
    std::lock_guard lock(mutex);
    stopped = true;
  }
  // Reads the root's notices (re-arming its watch); unless `skip_existing`, reports the new ones.
  void process(std::string_view root, bool skip_existing);
  void purge(std::string_view root, const std::vector<std::string>& names);
  cluster::zk_watcher watch_for(std::string_view root);

  cluster::zk_session& zk;
  std::mutex mutex;
  bool stopped = false;
  changed_fn changed;
  std::function<void()> reload;
  std::map<std::string, int64_t, std::less<>> last_seen;  // by root: highest notice handled
};

cluster::zk_watcher zk_acl_store::watcher::watch_for(std::string_view root) {
  std::weak_ptr<watcher> weak = weak_from_this();
  return [weak, root = std::string(root)](const cluster::zk_watch_event& event) {
    auto self = weak.lock();
    if (!self) return;
    // After an expiry the session listener re-arms and reloads.
    if (event.what == cluster::zk_watch_event::kind::session_lost) return;
    std::lock_guard lock(self->mutex);
    if (!self->stopped) self->process(root, false);
  };
}

void zk_acl_store::watcher::start(changed_fn on_changed, std::function<void()> on_reload) {
  {
    std::lock_guard lock(mutex);
    changed = std::move(on_changed);
    reload = std::move(on_reload);
    for (auto root : {layout::literal_changes, layout::extended_changes}) process(root, true);
  }
  std::weak_ptr<watcher> weak = weak_from_this();
  zk.on_session_event([weak](cluster::zk_session::state state) {
    if (state != cluster::zk_session::state::expired_and_reconnected) return;
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard lock(self->mutex);
    if (self->stopped) return;
    // Every watch died with the old session, and notices may have been purged since.
    for (auto root : {layout::literal_changes, layout::extended_changes}) self->process(root, true);
    self->reload();
  });
}

void zk_acl_store::watcher::process(std::string_view root, bool skip_existing) {
  const std::string path(root);
  auto names = zk.children(path, watch_for(root));
  if (!names && names.code() == zk_errc::no_node) {
    // Someone removed the root: make it again and watch it.
    auto made = zk.create_recursive(path, "");
    if (made || made.code() == zk_errc::node_exists) names = zk.children(path, watch_for(root));
  }
  if (!names) {
    spdlog::error("Cannot read the ACL change notices under {}: {}", path,
                  cluster::to_string(names.code()));
    return;
  }
  std::vector<std::pair<int64_t, std::string>> notices;
  for (const auto& name : *names)
    if (auto seq = layout::change_sequence(name)) notices.emplace_back(*seq, name);
  std::sort(notices.begin(), notices.end());
  auto [seen, inserted] = last_seen.try_emplace(path, -1);
  for (const auto& [seq, name] : notices) {
    if (seq <= seen->second) continue;
    seen->second = seq;
    if (skip_existing) continue;
    auto node = zk.get(path + "/" + name);
    if (!node) continue;  // purged meanwhile
    auto pattern = layout::decode_change(root, node->data);
    if (!pattern) {
      spdlog::error("Ignoring ACL change notice {}/{}: {}", path, name, pattern.message());
      continue;
    }
    changed(*pattern);
  }
  purge(root, *names);
}

void zk_acl_store::watcher::purge(std::string_view root, const std::vector<std::string>& names) {
  const auto now = now_ms();
  for (const auto& name : names) {
    const auto path = std::string(root) + "/" + name;
    auto stat = zk.exists(path);
    if (stat && *stat && now - (*stat)->ctime_ms > change_expiration_ms) (void)zk.remove(path);
  }
}

zk_acl_store::zk_acl_store(cluster::zk_session& zk)
    : zk_(zk), watcher_(std::make_shared<watcher>(zk)) {}

zk_acl_store::~zk_acl_store() {
  stop_watching();
}

acl_result<std::unique_ptr<zk_acl_store>> zk_acl_store::open(cluster::zk_session& zk) {
  for (const auto& path : layout::persistent_paths()) {
    auto made = zk.create_recursive(path, "");
    if (!made && made.code() != zk_errc::node_exists) return unavailable(path, made.error());
  }
  return std::make_unique<zk_acl_store>(zk);
}

void zk_acl_store::watch(changed_fn changed, std::function<void()> reload) {
  watcher_->start(std::move(changed), std::move(reload));
}

void zk_acl_store::stop_watching() {
  watcher_->stop();
}

acl_result<acl_map> zk_acl_store::read_all() {
  acl_map out;
  for (auto pattern : {pattern_type::literal, pattern_type::prefixed}) {
    const std::string root(layout::root(pattern));
    auto types = children_of(zk_, root);
    if (!types) return std::move(types).error();
    for (const auto& type_name : *types) {
      auto type = parse_resource_type(type_name);
      if (type == resource_type::unknown || type == resource_type::any) {
        spdlog::warn("Ignoring unknown ResourceType: {}", type_name);
        continue;
      }
      auto names = children_of(zk_, root + "/" + type_name);
      if (!names) return std::move(names).error();
      for (const auto& name : *names) {
        resource_pattern r{type, name, pattern};
        auto acls = read_versioned(zk_, r);
        if (!acls) return std::move(acls).error();
        if (!acls->acls.empty()) out.emplace(std::move(r), std::move(acls->acls));
      }
    }
  }
  return out;
}

acl_result<acl_set> zk_acl_store::read(const resource_pattern& pattern) {
  auto acls = read_versioned(zk_, pattern);
  if (!acls) return std::move(acls).error();
  return std::move(acls->acls);
}

acl_result<acl_store::update_outcome> zk_acl_store::update(const resource_pattern& pattern,
                                                           const edit_fn& edit) {
  const auto path = layout::resource_path(pattern);
  for (int attempt = 0; attempt <= max_update_retries; ++attempt) {
    if (attempt > 0) backoff();
    auto current = read_versioned(zk_, pattern);
    if (!current) return std::move(current).error();
    acl_set next = edit(current->acls);
    if (next == current->acls) return update_outcome{current->acls, std::move(next)};
    bool raced = false;
    if (!next.empty()) {
      const auto data = layout::encode_acls(next);
      if (current->version) {
        auto set = zk_.set(path, data, *current->version);
        if (!set && set.code() != zk_errc::bad_version) return unavailable(path, set.error());
        raced = !set;
      } else {
        auto made = zk_.create_recursive(path, data);
        if (!made && made.code() != zk_errc::node_exists) return unavailable(path, made.error());
        raced = !made;
      }
    } else {
      auto removed = zk_.remove(path, *current->version);
      if (!removed && removed.code() != zk_errc::no_node && removed.code() != zk_errc::bad_version)
        return unavailable(path, removed.error());
      raced = !removed && removed.code() == zk_errc::bad_version;
    }
    if (raced) continue;
    auto notice = zk_.create_recursive(
        fmt::format("{}/{}", layout::change_root(pattern.pattern), layout::change_prefix),
        layout::encode_change(pattern), cluster::zk_create_mode::persistent_sequential);
    if (!notice) return unavailable("ACL change notice", notice.error());
    return update_outcome{std::move(current->acls), std::move(next)};
  }
  return fail(acl_errc::unavailable,
              fmt::format("Failed to update ACLs for {} after trying a maximum of {} times",
                          to_string(pattern), max_update_retries));
}

}  // namespace sluice::security
