// acl_admin: the ACL requests of Kafka's Admin client (describeAcls, createAcls, deleteAcls) over a
// raw connection with Sluice's codec, sent to one broker as the Admin client sends them to the
// least loaded one. librdkafka 2.0.2 has these calls, but its resource types stop at BROKER (4):
// it cannot name transactional ids, delegation tokens or users, which kafka-acls needs.
//
// A broker's error is a failure whose message is the text Kafka's tool prints for the exception the
// Admin client raises ("org.apache.kafka.common.errors.ClusterAuthorizationException: Cluster
// authorization failed."). Used by one tool run on its thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/client/kafka_exception.h"
#include "cli/raw_client.h"
#include "security/acl.h"

namespace sluice::cli {

result<std::vector<security::acl_binding>> describe_acls(raw_connection& c,
                                                         const security::acl_binding_filter& f,
                                                         deadline d);
// Fails with the first binding's error, as the Admin client's all().get() does.
result<void> create_acls(raw_connection& c, const std::vector<security::acl_binding>& bindings,
                         deadline d);
// The bindings deleted; fails with the first filter's (or binding's) error.
result<std::vector<security::acl_binding>> delete_acls(
    raw_connection& c, const std::vector<security::acl_binding_filter>& filters, deadline d);

}  // namespace sluice::cli
