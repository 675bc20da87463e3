// kafka-topics' cluster operations over the Admin API (librdkafka).
#include "cli/topic_service.h"

#include <algorithm>

#include "cli/raw_client.h"

namespace sluice::cli {

bool is_internal_topic(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

namespace {

class admin_topic_service final : public topic_service {
 public:
  explicit admin_topic_service(kafka_client client) : client_(std::move(client)) {}

  result<std::vector<std::string>> list_topics() override {
    auto md = client_.metadata(client_.make_deadline());
    if (!md) return std::move(md).error();
    std::vector<std::string> names;
    for (const topic_info& t : md->topics) {
      if (t.error == RD_KAFKA_RESP_ERR_NO_ERROR) names.push_back(t.name);
    }
    return names;
  }

  result<item_error> create_topic(const new_topic& topic) override {
    auto r = create_topics(client_, {topic}, client_.make_deadline());
    if (!r) return std::move(r).error();
    if (r->empty()) return item_error{topic.name, RD_KAFKA_RESP_ERR_NO_ERROR, ""};
    return r->front();
  }

  result<std::vector<item_error>> delete_topics(const std::vector<std::string>& names) override {
    return cli::delete_topics(client_, names, client_.make_deadline());
  }

  result<item_error> add_partitions(const std::string& topic, int32_t total,
                                    const std::vector<std::vector<int32_t>>& assign) override {
    auto r = create_partitions(client_, topic, total, assign, client_.make_deadline());
    if (!r) return std::move(r).error();
    if (r->empty()) return item_error{topic, RD_KAFKA_RESP_ERR_NO_ERROR, ""};
    return r->front();
  }

  result<std::vector<topic_description>> describe(const std::vector<std::string>& names) override {
    if (names.empty()) return std::vector<topic_description>{};
    deadline d = client_.make_deadline();
    auto md = client_.metadata(d);
    if (!md) return std::move(md).error();
    std::vector<std::pair<resource_type, std::string>> resources;
    for (const std::string& n : names) resources.emplace_back(resource_type::topic, n);
    auto configs = describe_configs(client_, resources, d);
    // A broker without DescribeConfigs still has partitions to show; its configs stay empty.
    if (!configs && configs.code() != errc::unsupported) return std::move(configs).error();
    // Topic ids are not in librdkafka 2.0.2's metadata; ask with our own Metadata request (a
    // broker without Metadata v10 has none to give, and Kafka then prints no TopicId).
    auto ids = fetch_topic_ids(client_.brokers(), names, client_.properties(), d);
    std::vector<topic_description> out;
    for (const std::string& n : names) {
      const topic_info* t = md->find(n);
      if (t == nullptr) continue;
      topic_description td;
      td.name = n;
      td.partitions = t->partitions;
      td.internal = is_internal_topic(n);
      if (configs) {
        for (const config_resource& cr : *configs) {
          if (cr.name == n) td.configs = cr.entries;
        }
      }
      if (ids) {
        if (auto it = ids->find(n); it != ids->end()) td.topic_id = it->second;
      }
      out.push_back(std::move(td));
    }
    return out;
  }

  result<std::vector<int32_t>> live_brokers() override {
    auto md = client_.metadata(client_.make_deadline());
    if (!md) return std::move(md).error();
    std::vector<int32_t> ids;
    for (const broker_info& b : md->brokers) ids.push_back(b.id);
    return ids;
  }

 private:
  kafka_client client_;
};

}  // namespace

result<std::unique_ptr<topic_service>> make_admin_topic_service(const client_settings& settings) {
  auto client = kafka_client::create(client_kind::admin, settings);
  if (!client) return std::move(client).error();
  std::unique_ptr<topic_service> svc = std::make_unique<admin_topic_service>(std::move(*client));
  return svc;
}

}  // namespace sluice::cli
