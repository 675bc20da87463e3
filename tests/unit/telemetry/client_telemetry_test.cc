#include "telemetry/client_telemetry.h"

#include <gtest/gtest.h>

#include "telemetry/otlp_metrics.h"

namespace sluice::telemetry {
namespace {

using protocol::error_code;

// Protobuf writing, just enough to build an OTLP MetricsData by hand.
struct pb {
  std::vector<uint8_t> b;
  pb& varint(uint64_t v) {
    while (v >= 0x80) {
      b.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    b.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  pb& bytes(uint32_t field, const std::vector<uint8_t>& v) {
    varint(field << 3 | 2).varint(v.size());
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  pb& str(uint32_t field, const std::string& s) {
    return bytes(field, std::vector<uint8_t>(s.begin(), s.end()));
  }
  pb& fixed64(uint32_t field, uint64_t v) {
    varint(field << 3 | 1);
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  pb& num(uint32_t field, uint64_t v) { return varint(field << 3).varint(v); }
};

// MetricsData with one gauge (as_double) and one delta sum (as_int, attribute topic=t).
std::vector<uint8_t> metrics_data(double gauge, int64_t delta) {
  pb gauge_point;
  gauge_point.fixed64(4, std::bit_cast<uint64_t>(gauge));
  pb kv, any;
  any.str(1, "t");
  kv.str(1, "topic").bytes(2, any.b);
  pb sum_point;
  sum_point.bytes(7, kv.b).fixed64(6, static_cast<uint64_t>(delta));
  pb g, s;
  g.bytes(1, gauge_point.b);
  s.bytes(1, sum_point.b).num(2, 1);  // delta temporality
  pb m1, m2;
  m1.str(1, "org.apache.kafka.producer.record.queue.time.avg").bytes(5, g.b);
  m2.str(1, "org.apache.kafka.producer.topic.record.send.total").bytes(7, s.b);
  pb scope, resource, data;
  scope.bytes(2, m1.b).bytes(2, m2.b);
  resource.bytes(2, scope.b);
  data.bytes(1, resource.b);
  return data.b;
}

TEST(otlp_metrics, gauges_and_sums_are_read_and_junk_is_refused) {
  auto points = decode_metrics_data(metrics_data(2.5, 7));
  ASSERT_TRUE(points);
  ASSERT_EQ(points.value().size(), 2u);
  EXPECT_EQ(points.value()[0].name, "org.apache.kafka.producer.record.queue.time.avg");
  EXPECT_EQ(points.value()[0].value, 2.5);
  EXPECT_FALSE(points.value()[0].delta);
  EXPECT_EQ(points.value()[1].value, 7);
  EXPECT_TRUE(points.value()[1].delta);
  EXPECT_EQ(points.value()[1].attributes,
            (std::vector<std::pair<std::string, std::string>>{{"topic", "t"}}));
  auto bytes = metrics_data(1, 1);
  for (size_t cut = 1; cut < bytes.size(); ++cut)  // every truncation fails cleanly
    EXPECT_FALSE(decode_metrics_data(std::span(bytes).first(cut))) << cut;
  EXPECT_EQ(decode_metrics_data(bytes, 1).value().size(), 1u);  // bounded
}

TEST(client_metrics_config, kafkas_rules) {
  EXPECT_FALSE(validate_client_metrics_config(
      {{"metrics", "org.apache.kafka.producer."},
       {"interval.ms", "1000"},
       {"match", "client_id=app.*,client_software_name=apache-kafka-java"}}));
  auto refused = [](cluster::config_map c) { return *validate_client_metrics_config(c); };
  EXPECT_EQ(refused({{"nope", "1"}}).message, "Unknown client metrics configuration: nope");
  EXPECT_EQ(refused({{"interval.ms", "50"}}).code, error_code::invalid_request);
  EXPECT_EQ(refused({{"interval.ms", "x"}}).code, error_code::invalid_config);
  EXPECT_EQ(refused({{"match", "client_id"}}).message,
            "Illegal client matching pattern: client_id");
  EXPECT_EQ(refused({{"match", "flavour=x"}}).code, error_code::invalid_config);
  EXPECT_EQ(refused({{"match", "client_id=(("}}).code, error_code::invalid_config);
  EXPECT_EQ(refused({{"metrics", "a,a"}}).message,
            "Configuration 'metrics' values must not be duplicated.");
  EXPECT_EQ(refused({{"metrics", "a,,b"}}).message,
            "Configuration 'metrics' values must not be empty.");
}

protocol::uuid id_of(uint8_t n) {
  protocol::uuid id;
  id.value[0] = n;
  return id;
}

TEST(client_telemetry, a_matching_client_is_subscribed_and_its_pushes_are_kept) {
  uint8_t next = 1;
  client_telemetry t({}, [&] { return id_of(next++); });
  t.set_subscriptions({{"client-metrics/producers",
                        {{"metrics", "org.apache.kafka.producer."},
                         {"interval.ms", "1000"},
                         {"match", "client_id=app-.*"}}},
                       {"users/alice", {{"producer_byte_rate", "1"}}}});
  EXPECT_EQ(t.subscription_names(), std::vector<std::string>{"producers"});
  client_metadata app{"app-1", "apache-kafka-java", "4.4.0", "127.0.0.1", 5000};
  auto sub = t.get_subscriptions({}, app, 10'000);
  ASSERT_EQ(sub.error, error_code::none);
  EXPECT_EQ(sub.client_instance_id, id_of(1));
  EXPECT_EQ(sub.requested_metrics, std::vector<std::string>{"org.apache.kafka.producer."});
  EXPECT_EQ(sub.push_interval_ms, 1000);
  EXPECT_EQ(sub.accepted_compression, (std::vector<int8_t>{4, 3, 1, 2}));
  // Another client is not matched: nothing to push, the default interval.
  auto other = t.get_subscriptions({}, {"other", "x", "1", "127.0.0.1", 1}, 10'000);
  EXPECT_TRUE(other.requested_metrics.empty());
  EXPECT_EQ(other.push_interval_ms, 300000);
  EXPECT_NE(other.subscription_id, sub.subscription_id);

  const auto id = sub.client_instance_id;
  // The first push after a subscription is on time; then the interval applies.
  EXPECT_EQ(t.push(id, sub.subscription_id, false, 0, metrics_data(2.5, 7), app, 10'100).first,
            error_code::none);
  EXPECT_EQ(t.push(id, sub.subscription_id, false, 0, {}, app, 10'200).first,
            error_code::throttling_quota_exceeded);
  EXPECT_EQ(t.push(id, sub.subscription_id + 1, false, 0, {}, app, 11'200).first,
            error_code::unknown_subscription_id);
  EXPECT_EQ(t.push(id, sub.subscription_id, false, 9, {}, app, 12'300).first,
            error_code::unsupported_compression_type);
  EXPECT_EQ(t.push(id, sub.subscription_id, false, 0, metrics_data(3, 5), app, 13'400).first,
            error_code::none);
  EXPECT_EQ(t.push({}, 0, false, 0, {}, app, 13'500).first, error_code::invalid_request);
  const std::vector<uint8_t> junk = {1, 2, 3};
  EXPECT_EQ(t.push(id, sub.subscription_id, false, 0, junk, app, 14'500).first,
            error_code::invalid_record);

  struct sink : metrics::sample_sink {
    std::map<std::string, double> got;
    void add(const metrics::label_values& v, double value) override {
      got[v[4] + " " + v[5]] = value;
    }
  } s;
  t.collect(s);
  EXPECT_EQ(s.got["org.apache.kafka.producer.record.queue.time.avg "], 3);  // the latest gauge
  EXPECT_EQ(s.got["org.apache.kafka.producer.topic.record.send.total topic=t"], 12);  // 7 + 5

  // A terminating push is taken even early; nothing after it is.
  EXPECT_EQ(t.push(id, sub.subscription_id, true, 0, {}, app, 14'600).first, error_code::none);
  EXPECT_EQ(t.push(id, sub.subscription_id, false, 0, {}, app, 20'000).first,
            error_code::invalid_request);
  // Instances expire after max(60 s, 3 intervals) without a request.
  EXPECT_EQ(t.instance_count(), 2u);
  t.get_subscriptions({}, app, 1'000'000);  // both idle past 60 s and 3 × 300 s
  EXPECT_EQ(t.instance_count(), 1u);
}

}  // namespace
}  // namespace sluice::telemetry
