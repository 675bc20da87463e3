#include "telemetry/otlp_metrics.h"

#include <bit>
#include <cstring>
#include <optional>

namespace sluice::telemetry {

namespace {

enum wire : uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// One protobuf message's fields, in order.
class fields {
 public:
  explicit fields(std::span<const uint8_t> b) : b_(b) {}
  struct field {
    uint32_t number = 0;
    uint32_t type = 0;
    uint64_t value = 0;              // varint, fixed32, fixed64
    std::span<const uint8_t> bytes;  // length_delimited
  };
  // The next field; nullopt at the end. Sets `bad` on malformed input.
  std::optional<field> next() {
    if (p_ >= b_.size() || bad) return std::nullopt;
    auto key = read_varint();
    if (!key) return fail();
    field f;
    f.number = static_cast<uint32_t>(*key >> 3);
    f.type = static_cast<uint32_t>(*key & 7);
    switch (f.type) {
      case varint: {
        auto v = read_varint();
        if (!v) return fail();
        f.value = *v;
        break;
      }
      case fixed64:
      case fixed32: {
        const size_t n = f.type == fixed64 ? 8 : 4;
        if (b_.size() - p_ < n) return fail();
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v |= uint64_t{b_[p_ + i]} << (8 * i);
        f.value = v;
        p_ += n;
        break;
      }
      case length_delimited: {
        auto len = read_varint();
        if (!len || *len > b_.size() - p_) return fail();
        f.bytes = b_.subspan(p_, static_cast<size_t>(*len));
        p_ += static_cast<size_t>(*len);
        break;
      }
      default:
        return fail();  // groups (3, 4) are not used by OTLP
    }
    return f;
  }
  bool bad = false;

 private:
  std::optional<field> fail() {
    bad = true;
    return std::nullopt;
  }
  std::optional<uint64_t> read_varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p_ < b_.size(); shift += 7) {
      const uint8_t byte = b_[p_++];
      v |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return v;
    }
    return std::nullopt;
  }
  std::span<const uint8_t> b_;
  size_t p_ = 0;
};

std::string text(std::span<const uint8_t> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// AnyValue: string (1), bool (2), int (3), double (4); others as empty text.
bool any_value(std::span<const uint8_t> b, std::string& out) {
  fields f(b);
  while (auto x = f.next()) {
    if (x->number == 1 && x->type == length_delimited) out = text(x->bytes);
    if (x->number == 2 && x->type == varint) out = x->value ? "true" : "false";
    if (x->number == 3 && x->type == varint) out = std::to_string(static_cast<int64_t>(x->value));
    if (x->number == 4 && x->type == fixed64) out = std::to_string(std::bit_cast<double>(x->value));
  }
  return !f.bad;
}

// KeyValue: key (1), value (2).
bool key_value(std::span<const uint8_t> b, std::pair<std::string, std::string>& out) {
  fields f(b);
  while (auto x = f.next()) {
    if (x->number == 1 && x->type == length_delimited) out.first = text(x->bytes);
    if (x->number == 2 && x->type == length_delimited && !any_value(x->bytes, out.second))
      return false;
  }
  return !f.bad;
}

struct reader {
  std::vector<metric_point>& out;
  size_t max_points;

  // NumberDataPoint: attributes (7), as_double (4), as_int (6).
  bool point(std::span<const uint8_t> b, const std::string& name, bool delta) {
    metric_point p;
    p.name = name;
    p.delta = delta;
    fields f(b);
    while (auto x = f.next()) {
      if (x->number == 7 && x->type == length_delimited) {
        if (!key_value(x->bytes, p.attributes.emplace_back())) return false;
      } else if (x->number == 4 && x->type == fixed64) {
        p.value = std::bit_cast<double>(x->value);
      } else if (x->number == 6 && x->type == fixed64) {
        p.value = static_cast<double>(static_cast<int64_t>(x->value));
      }
    }
    if (f.bad) return false;
    if (out.size() < max_points) out.push_back(std::move(p));
    return true;
  }
  // Gauge / Sum: data_points (1); Sum's aggregation_temporality (2): 1 delta, 2 cumulative.
  bool points(std::span<const uint8_t> b, const std::string& name, bool is_sum) {
    bool delta = false;
    if (is_sum) {
      fields t(b);
      while (auto x = t.next())
        if (x->number == 2 && x->type == varint) delta = x->value == 1;
      if (t.bad) return false;
    }
    fields f(b);
    while (auto x = f.next())
      if (x->number == 1 && x->type == length_delimited && !point(x->bytes, name, delta))
        return false;
    return !f.bad;
  }
  // Metric: name (1), gauge (5), sum (7).
  bool metric(std::span<const uint8_t> b) {
    std::string name;
    fields n(b);
    while (auto x = n.next())
      if (x->number == 1 && x->type == length_delimited) name = text(x->bytes);
    if (n.bad) return false;
    fields f(b);
    while (auto x = f.next())
      if ((x->number == 5 || x->number == 7) && x->type == length_delimited &&
          !points(x->bytes, name, x->number == 7))
        return false;
    return !f.bad;
  }
  // Messages whose field `number` holds repeated children read by `child`.
  template <class Child>
  bool repeated(std::span<const uint8_t> b, uint32_t number, Child child) {
    fields f(b);
    while (auto x = f.next())
      if (x->number == number && x->type == length_delimited && !child(x->bytes)) return false;
    return !f.bad;
  }
};

}  // namespace

sluice::result<std::vector<metric_point>, otlp_errc> decode_metrics_data(
    std::span<const uint8_t> bytes, size_t max_points) {
  std::vector<metric_point> out;
  reader r{out, max_points};
  // MetricsData.resource_metrics (1) → ResourceMetrics.scope_metrics (2) → ScopeMetrics.metrics
  // (2).
  const bool ok = r.repeated(bytes, 1, [&](auto resource) {
    return r.repeated(resource, 2, [&](auto scope) {
      return r.repeated(scope, 2, [&](auto metric) { return r.metric(metric); });
    });
  });
  if (!ok) return otlp_errc::malformed;
  return out;
}

}  // namespace sluice::telemetry
