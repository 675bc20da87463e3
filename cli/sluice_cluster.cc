// `sluice cluster info`: the cluster id, the controller and the brokers.
#include <fmt/format.h>

#include <cstdio>

#include "cli/sluice_commands.h"

namespace sluice::cli {

int run_cluster_info(const global_options& g) {
  auto settings = g.client();
  if (!settings) return report_error(g, settings.message());
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return report_error(g, client.message());
  auto md = client->metadata(client->make_deadline());
  if (!md) return report_error(g, md.message());
  size_t internal = 0;
  for (const topic_info& t : md->topics) internal += t.name.starts_with("__");
  if (g.format == output_format::json) {
    nlohmann::ordered_json brokers = nlohmann::ordered_json::array();
    for (const broker_info& b : md->brokers) {
      brokers.push_back({{"id", b.id},
                         {"host", b.host},
                         {"port", b.port},
                         {"controller", b.id == md->controller_id}});
    }
    print_json({{"cluster_id", md->cluster_id},
                {"controller_id", md->controller_id},
                {"brokers", brokers},
                {"topics", md->topics.size()},
                {"internal_topics", internal}});
    return 0;
  }
  bool colour = use_colour_on_stdout();
  std::printf("CLUSTER\n=======\n%s\n\n",
              md->cluster_id.empty() ? "(unknown)" : md->cluster_id.c_str());
  table brokers({"ID", "HOST", "PORT", "CONTROLLER"});
  for (const broker_info& b : md->brokers) {
    brokers.add({std::to_string(b.id), b.host, std::to_string(b.port),
                 b.id == md->controller_id ? "yes" : ""});
  }
  std::printf("BROKERS\n=======\n%s\n", brokers.render(colour).c_str());
  std::printf("TOPICS\n======\n%zu (%zu internal)\n", md->topics.size(), internal);
  return 0;
}

}  // namespace sluice::cli
