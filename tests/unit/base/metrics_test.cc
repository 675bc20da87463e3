#include "base/metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace sluice::metrics {
namespace {

TEST(metrics, counter_and_gauge_exposition) {
  registry r;
  auto& requests = r.counters("sluice_requests_total", "Requests received.", {"api"});
  requests.with({"Produce"}).inc(3);
  requests.with({"Fetch"}).inc();
  auto& open = r.gauge_metric("sluice_connections", "Open connections.");
  open.add(5);
  open.sub(2);

  EXPECT_EQ(r.expose(),
            "# HELP sluice_connections Open connections.\n"
            "# TYPE sluice_connections gauge\n"
            "sluice_connections 3\n"
            "# HELP sluice_requests_total Requests received.\n"
            "# TYPE sluice_requests_total counter\n"
            "sluice_requests_total{api=\"Fetch\"} 1\n"
            "sluice_requests_total{api=\"Produce\"} 3\n");
}

TEST(metrics, label_values_and_help_are_escaped) {
  registry r;
  r.counters("c_total", "line one\nback\\slash", {"topic"}).with({"a\"b\\c\nd"}).inc();
  EXPECT_EQ(r.expose(),
            "# HELP c_total line one\\nback\\\\slash\n"
            "# TYPE c_total counter\n"
            "c_total{topic=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(metrics, histogram_buckets_are_cumulative_powers_of_two) {
  registry r;
  auto& h = r.histograms("lat_seconds", "Latency.", {"api"}, {.buckets = 4, .unit = 0.5})
                .with({"Metadata"});
  for (uint64_t v : {0, 1, 2, 3, 4, 5, 8, 9, 1000}) h.observe(v);
  // Buckets (units): <=1, <=2, <=4, <=8, +Inf; unit 0.5 => le 0.5, 1, 2, 4.
  EXPECT_EQ(r.expose(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{api=\"Metadata\",le=\"0.5\"} 2\n"
            "lat_seconds_bucket{api=\"Metadata\",le=\"1\"} 3\n"
            "lat_seconds_bucket{api=\"Metadata\",le=\"2\"} 5\n"
            "lat_seconds_bucket{api=\"Metadata\",le=\"4\"} 7\n"
            "lat_seconds_bucket{api=\"Metadata\",le=\"+Inf\"} 9\n"
            "lat_seconds_sum{api=\"Metadata\"} 516\n"
            "lat_seconds_count{api=\"Metadata\"} 9\n");
}

TEST(metrics, default_histogram_uses_microseconds_exposed_as_seconds) {
  registry r;
  auto& h = r.histograms("x_seconds", "x").with({});
  h.observe(1500);  // 1.5 ms lands in the 2048 us bucket
  std::string text = r.expose();
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.001024\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.002048\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_sum 0.0015\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_count 1\n"), std::string::npos) << text;
}

TEST(metrics, registering_twice_returns_the_same_family) {
  registry r;
  auto& a = r.counters("dup_total", "d", {"x"});
  auto& b = r.counters("dup_total", "d", {"x"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.with({"1"}), &b.with({"1"}));
}

TEST(metrics, labelled_family_without_children_is_not_exposed_and_remove_drops_a_child) {
  registry r;
  auto& f = r.gauges("sizes", "s", {"topic"});
  EXPECT_EQ(r.expose(), "");
  f.with({"t"}).set(7);
  EXPECT_NE(r.expose(), "");
  f.remove({"t"});
  EXPECT_EQ(r.expose(), "");
}

TEST(metrics, collectors_run_at_scrape_and_unregister_with_their_handle) {
  registry r;
  int calls = 0;
  {
    collector_handle h = r.add_collector("log_end_offset", "LEO.", metric_type::gauge,
                                         {"topic", "partition"}, [&](sample_sink& out) {
                                           ++calls;
                                           out.add({"t", "0"}, 42);
                                           out.add({"t", "1"}, 0.25);
                                         });
    EXPECT_EQ(r.expose(),
              "# HELP log_end_offset LEO.\n"
              "# TYPE log_end_offset gauge\n"
              "log_end_offset{topic=\"t\",partition=\"0\"} 42\n"
              "log_end_offset{topic=\"t\",partition=\"1\"} 0.25\n");
    EXPECT_EQ(calls, 1);
  }
  EXPECT_EQ(r.expose(), "");
  EXPECT_EQ(calls, 1);
}

TEST(metrics, format_value_special_cases) {
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(1e-6), "1e-06");
}

TEST(metrics, concurrent_updates_are_not_lost) {
  registry r;
  auto& c = r.counter_metric("n_total", "n");
  auto& h = r.histograms("h", "h").with({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(static_cast<uint64_t>(i));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_EQ(h.read().count(), 40000u);
}

}  // namespace
}  // namespace sluice::metrics
