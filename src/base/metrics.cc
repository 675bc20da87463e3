#include "base/metrics.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <type_traits>

#include "base/assert.h"

namespace sluice::metrics {
namespace {

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string_view type_name(metric_type type) {
  switch (type) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   metric_type type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += escape_help(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type_name(type);
  out += '\n';
}

// `{a="x",b="y"}` plus an optional extra label (histogram `le`); nothing when there are no labels.
void append_labels(std::string& out, const std::vector<std::string>& names,
                   const label_values& values, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                   const label_values& values, std::string_view value) {
  out += name;
  append_labels(out, names, values);
  out += ' ';
  out += value;
  out += '\n';
}

void append_histogram(std::string& out, const std::string& name,
                      const std::vector<std::string>& names, const label_values& values,
                      const histogram& h) {
  histogram::snapshot s = h.read();
  const histogram_options& o = h.options();
  std::string bucket_name = name + "_bucket";
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    bool inf = i + 1 == s.cumulative.size();
    std::string le = inf ? "+Inf" : format_value(std::ldexp(o.unit, static_cast<int>(i)));
    out += bucket_name;
    append_labels(out, names, values, "le", le);
    out += ' ';
    out += std::to_string(s.cumulative[i]);
    out += '\n';
  }
  append_sample(out, name + "_sum", names, values,
                format_value(static_cast<double>(s.sum) * o.unit));
  append_sample(out, name + "_count", names, values, std::to_string(s.count()));
}

class string_sink final : public sample_sink {
 public:
  string_sink(std::string& out, const std::string& name, const std::vector<std::string>& names)
      : out_(out), name_(name), names_(names) {}
  void add(const label_values& values, double value) override {
    SLUICE_ASSERT(values.size() == names_.size(), "collector sample has the wrong label count");
    append_sample(out_, name_, names_, values, format_value(value));
  }

 private:
  std::string& out_;
  const std::string& name_;
  const std::vector<std::string>& names_;
};

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  SLUICE_ASSERT(ec == std::errc(), "to_chars(double) failed");
  return std::string(buf, end);
}

// ---- histogram ----

histogram::histogram(histogram_options options)
    : options_(options),
      buckets_(
          std::make_unique<std::atomic<uint64_t>[]>(static_cast<size_t>(options.buckets) + 1)) {
  SLUICE_ASSERT(options.buckets >= 1 && options.buckets <= 63,
                "histogram bucket count out of range");
}

void histogram::observe(uint64_t value) {
  // Bucket i holds values in (2^(i-1), 2^i]; bucket 0 holds 0 and 1.
  size_t index = value <= 1 ? 0 : static_cast<size_t>(std::bit_width(value - 1));
  if (index > static_cast<size_t>(options_.buckets)) index = static_cast<size_t>(options_.buckets);
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.cumulative.resize(static_cast<size_t>(options_.buckets) + 1);
  uint64_t running = 0;
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- families ----

family_base::family_base(std::string name, std::string help, metric_type type,
                         std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {
  SLUICE_ASSERT(valid_name(name_, true), "invalid metric name");
  for (const auto& l : label_names_) {
    SLUICE_ASSERT(valid_name(l, false) && l != "le", "invalid label name");
  }
}

template <class M>
M& family<M>::with(const label_values& values) {
  SLUICE_ASSERT(values.size() == label_names_.size(), "metric used with the wrong label count");
  std::lock_guard lock(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) {
    std::unique_ptr<M> child;
    if constexpr (std::is_same_v<M, histogram>) {
      child = std::make_unique<M>(options_);
    } else {
      child = std::make_unique<M>();
    }
    it = children_.emplace(values, std::move(child)).first;
  }
  return *it->second;
}

template <class M>
void family<M>::remove(const label_values& values) {
  std::lock_guard lock(mu_);
  children_.erase(values);
}

template <class M>
void family<M>::expose(std::string& out) const {
  std::lock_guard lock(mu_);
  if (children_.empty()) return;
  append_header(out, name_, help_, type_);
  for (const auto& [values, child] : children_) {
    if constexpr (std::is_same_v<M, histogram>) {
      append_histogram(out, name_, label_names_, values, *child);
    } else {
      append_sample(out, name_, label_names_, values, std::to_string(child->value()));
    }
  }
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

// ---- collector_handle ----

collector_handle::collector_handle(collector_handle&& other) noexcept
    : owner_(other.owner_), id_(other.id_) {
  other.owner_ = nullptr;
}

collector_handle& collector_handle::operator=(collector_handle&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = other.owner_;
    id_ = other.id_;
    other.owner_ = nullptr;
  }
  return *this;
}

collector_handle::~collector_handle() {
  reset();
}

void collector_handle::reset() {
  if (owner_ != nullptr) owner_->remove_collector(id_);
  owner_ = nullptr;
}

// ---- registry ----

registry::~registry() {
  std::lock_guard lock(mu_);
  SLUICE_ASSERT(collectors_.empty(), "registry destroyed before its collector handles");
}

template <class M>
family<M>& registry::get_or_create(std::string_view name, std::string_view help, metric_type type,
                                   std::vector<std::string> label_names,
                                   histogram_options options) {
  std::lock_guard lock(mu_);
  for (const auto& [id, c] : collectors_) {
    SLUICE_ASSERT(c.name != name, "metric name already used by a collector");
  }
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto* existing = dynamic_cast<family<M>*>(it->second.get());
    SLUICE_ASSERT(
        existing != nullptr && existing->type() == type && existing->label_names() == label_names,
        "metric registered twice with different types or labels");
    return *existing;
  }
  auto created = std::make_unique<family<M>>(std::string(name), std::string(help), type,
                                             std::move(label_names), options);
  family<M>& ref = *created;
  families_.emplace(std::string(name), std::move(created));
  return ref;
}

counter_family& registry::counters(std::string_view name, std::string_view help,
                                   std::vector<std::string> label_names) {
  return get_or_create<counter>(name, help, metric_type::counter, std::move(label_names), {});
}

gauge_family& registry::gauges(std::string_view name, std::string_view help,
                               std::vector<std::string> label_names) {
  return get_or_create<gauge>(name, help, metric_type::gauge, std::move(label_names), {});
}

histogram_family& registry::histograms(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names,
                                       histogram_options options) {
  return get_or_create<histogram>(name, help, metric_type::histogram, std::move(label_names),
                                  options);
}

collector_handle registry::add_collector(std::string_view name, std::string_view help,
                                         metric_type type, std::vector<std::string> label_names,
                                         std::function<void(sample_sink&)> collect) {
  SLUICE_ASSERT(type != metric_type::histogram, "collectors produce counters or gauges");
  SLUICE_ASSERT(valid_name(name, true), "invalid metric name");
  std::lock_guard lock(mu_);
  SLUICE_ASSERT(families_.find(name) == families_.end(), "metric name already registered");
  for (const auto& [id, c] : collectors_) {
    SLUICE_ASSERT(c.name != name, "collector registered twice");
  }
  uint64_t id = next_collector_id_++;
  collectors_.emplace(id, collector_entry{std::string(name), std::string(help), type,
                                          std::move(label_names), std::move(collect)});
  return collector_handle(this, id);
}

void registry::remove_collector(uint64_t id) {
  std::lock_guard lock(mu_);
  collectors_.erase(id);
}

std::string registry::expose() const {
  std::lock_guard lock(mu_);
  // Families and collectors interleaved by name, so the output order does not depend on kind.
  std::map<std::string_view, std::function<void(std::string&)>> parts;
  for (const auto& [name, f] : families_) {
    parts.emplace(name, [&f = *f](std::string& out) { f.expose(out); });
  }
  for (const auto& entry : collectors_) {
    const auto& c = entry.second;  // a plain reference: clang 14 cannot capture bindings
    parts.emplace(c.name, [&c](std::string& out) {
      std::string samples;
      string_sink sink(samples, c.name, c.label_names);
      c.collect(sink);
      if (samples.empty()) return;
      append_header(out, c.name, c.help, c.type);
      out += samples;
    });
  }
  std::string out;
  for (const auto& [name, write] : parts) write(out);
  return out;
}

}  // namespace sluice::metrics
