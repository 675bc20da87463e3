// A small metrics registry: counters, gauges and log-scale histograms, exposed as Prometheus text.
//
// registry: owns metric families by name. The broker owns one and passes it by reference to every
// subsystem (no global registry). Families and their children are never moved once created, so
// callers look a child up once (`family.with({"Produce"})`, which takes a mutex) and keep the
// reference for the hot path, where updating is a relaxed atomic add.
//
// collector: a callback that produces samples at scrape time, for values that already live
// elsewhere (partition sizes, log end offsets). Registering returns an RAII handle; destroying the
// handle unregisters it and waits for a scrape in progress to finish, so a collector must not be
// destroyed while holding a lock that its callback takes.
//
// Threads: every member of registry, family, counter, gauge and histogram is safe to call from any
// thread. Exposition reads the atomics without stopping writers, so a scrape is a consistent
// snapshot per value, not across values (as in every Prometheus client).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::metrics {

using label_values = std::vector<std::string>;

enum class metric_type { counter, gauge, histogram };

// A value that only goes up.
class counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void sub(int64_t n = 1) { value_.fetch_sub(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// How a histogram's integer observations map to exposed values: bucket i holds observations
// <= 2^i units, for i in [0, buckets); larger ones only land in +Inf. `unit` converts one unit to
// the exposed base unit (1e-6 for microseconds exposed as seconds, 1 for bytes).
struct histogram_options {
  int buckets = 27;  // 1 us .. 2^26 us (67 s) with the default unit
  double unit = 1e-6;
};

// A distribution with fixed power-of-two buckets: observe() is one bit scan and two atomic adds.
class histogram {
 public:
  explicit histogram(histogram_options options);

  void observe(uint64_t value);

  struct snapshot {
    std::vector<uint64_t> cumulative;  // per bucket, then +Inf (== count)
    uint64_t sum = 0;
    uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
  };
  snapshot read() const;
  const histogram_options& options() const { return options_; }

 private:
  histogram_options options_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // options_.buckets + 1 (+Inf)
  std::atomic<uint64_t> sum_{0};
};

// Metric families: one name, one help text, fixed label names, one child per label-value tuple.
class family_base {
 public:
  family_base(std::string name, std::string help, metric_type type,
              std::vector<std::string> label_names);
  virtual ~family_base() = default;
  family_base(const family_base&) = delete;
  family_base& operator=(const family_base&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  metric_type type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends this family in Prometheus text format (nothing if it has no children).
  virtual void expose(std::string& out) const = 0;

 protected:
  std::string name_;
  std::string help_;
  metric_type type_;
  std::vector<std::string> label_names_;
};

template <class M>
class family final : public family_base {
 public:
  family(std::string name, std::string help, metric_type type, std::vector<std::string> label_names,
         histogram_options options = {})
      : family_base(std::move(name), std::move(help), type, std::move(label_names)),
        options_(options) {}

  // The child for these label values (one per label name), created on first use. The reference
  // stays valid until remove() of the same values or the registry's destruction.
  M& with(const label_values& values);
  // Drops a child (a deleted topic). The caller guarantees nobody still holds its reference.
  void remove(const label_values& values);

  void expose(std::string& out) const override;

 private:
  histogram_options options_;
  mutable std::mutex mu_;
  std::map<label_values, std::unique_ptr<M>> children_;
};

using counter_family = family<counter>;
using gauge_family = family<gauge>;
using histogram_family = family<histogram>;

// Receives the samples of one collector during a scrape.
class sample_sink {
 public:
  virtual ~sample_sink() = default;
  virtual void add(const label_values& values, double value) = 0;
};

class registry;

// Keeps a collector registered; unregisters on destruction.
class collector_handle {
 public:
  collector_handle() = default;
  collector_handle(collector_handle&& other) noexcept;
  collector_handle& operator=(collector_handle&& other) noexcept;
  ~collector_handle();
  void reset();

 private:
  friend class registry;
  collector_handle(registry* owner, uint64_t id) : owner_(owner), id_(id) {}
  registry* owner_ = nullptr;
  uint64_t id_ = 0;
};

class registry {
 public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;
  ~registry();

  // Registering an existing name again returns the same family if type and labels match (two
  // servers in one test process share a registry); a mismatch is a programming error and aborts.
  counter_family& counters(std::string_view name, std::string_view help,
                           std::vector<std::string> label_names = {});
  gauge_family& gauges(std::string_view name, std::string_view help,
                       std::vector<std::string> label_names = {});
  histogram_family& histograms(std::string_view name, std::string_view help,
                               std::vector<std::string> label_names = {},
                               histogram_options options = {});

  // Shorthands for unlabelled metrics.
  counter& counter_metric(std::string_view name, std::string_view help) {
    return counters(name, help).with({});
  }
  gauge& gauge_metric(std::string_view name, std::string_view help) {
    return gauges(name, help).with({});
  }

  // A family whose samples come from `collect` at each scrape (type counter or gauge).
  [[nodiscard]] collector_handle add_collector(std::string_view name, std::string_view help,
                                               metric_type type,
                                               std::vector<std::string> label_names,
                                               std::function<void(sample_sink&)> collect);

  // Prometheus text exposition format 0.0.4, families sorted by name.
  std::string expose() const;

 private:
  friend class collector_handle;
  struct collector_entry {
    std::string name;
    std::string help;
    metric_type type;
    std::vector<std::string> label_names;
    std::function<void(sample_sink&)> collect;
  };
  template <class M>
  family<M>& get_or_create(std::string_view name, std::string_view help, metric_type type,
                           std::vector<std::string> label_names, histogram_options options);
  void remove_collector(uint64_t id);

  mutable std::mutex mu_;  // families_ and collectors_; held for a whole scrape
  std::map<std::string, std::unique_ptr<family_base>, std::less<>> families_;
  std::map<uint64_t, collector_entry> collectors_;
  uint64_t next_collector_id_ = 1;
};

// Exposition helpers, public for collectors and tests.
std::string escape_label_value(std::string_view value);
std::string format_value(double value);  // shortest round-trip form, +Inf/-Inf/NaN

}  // namespace sluice::metrics
