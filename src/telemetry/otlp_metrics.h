// otlp_metrics: the part of an OpenTelemetry MetricsData message (OTLP protobuf,
// opentelemetry.proto.metrics.v1) that a broker shows of a client's pushed metrics (KIP-714's
// PushTelemetry): each number data point of a Gauge or Sum — the metric's name, the point's
// attributes and its value. Histograms and summaries are skipped.
//
// A bounds-checked reader of protobuf's wire format for just these fields: Debian 12 packages no
// OTLP schema, and the subset is five message types. Malformed input is an error, never a crash;
// at most `max_points` points are read.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace sluice::telemetry {

struct metric_point {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;  // values as text
  double value = 0;
  bool delta = false;  // a Sum with delta temporality: the change since the last push
};

enum class otlp_errc { malformed };

sluice::result<std::vector<metric_point>, otlp_errc> decode_metrics_data(
    std::span<const uint8_t> bytes, size_t max_points = 10000);

}  // namespace sluice::telemetry
