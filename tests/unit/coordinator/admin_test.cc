// ListGroups, DescribeGroups and DeleteGroups.
#include "harness.h"

namespace sluice::coordinator::testing {
namespace {

reply<protocol::list_groups_response> list(harness& h, std::vector<std::string> states = {},
                                           std::vector<std::string> types = {},
                                           int16_t version = 5) {
  protocol::list_groups_request r;
  r.states_filter = std::move(states);
  r.types_filter = std::move(types);
  reply<protocol::list_groups_response> out;
  h.core.list_groups(r, version, out.sink());
  h.drain();
  return out;
}

reply<protocol::describe_groups_response> describe(harness& h, std::vector<std::string> ids,
                                                   int16_t version = 5, bool operations = false) {
  protocol::describe_groups_request r;
  r.groups = std::move(ids);
  r.include_authorized_operations = operations;
  reply<protocol::describe_groups_response> out;
  h.core.describe_groups(r, version, out.sink());
  h.drain();
  return out;
}

reply<protocol::delete_groups_response> remove(harness& h, std::vector<std::string> ids) {
  protocol::delete_groups_request r;
  r.groups_names = std::move(ids);
  reply<protocol::delete_groups_response> out;
  h.core.delete_groups(r, 2, h.now, out.sink());
  h.drain();
  return out;
}

TEST(list_groups, lists_with_state_and_type_filters) {
  harness h;
  h.make_stable("stable", 1);
  h.commit("simple", "", -1, {{"t", 0, 1}});
  auto all = list(h);
  ASSERT_EQ(all->groups.size(), 2u);
  EXPECT_EQ(all->groups[0].group_id, "simple");
  EXPECT_EQ(all->groups[0].protocol_type, "");
  EXPECT_EQ(all->groups[0].group_state, "Empty");
  EXPECT_EQ(all->groups[1].group_state, "Stable");
  EXPECT_EQ(all->groups[1].protocol_type, "consumer");
  EXPECT_EQ(all->groups[1].group_type, "classic");
  auto stable = list(h, {"STABLE"});
  ASSERT_EQ(stable->groups.size(), 1u);
  EXPECT_EQ(stable->groups[0].group_id, "stable");
  EXPECT_TRUE(list(h, {"NoSuchState"})->groups.empty());
  EXPECT_EQ(list(h, {}, {"Classic"})->groups.size(), 2u);
  EXPECT_TRUE(list(h, {}, {"consumer"})->groups.empty());
  EXPECT_EQ(list(h, {}, {}, 3)->groups[1].group_type, "");  // no type before v5
}

TEST(list_groups, reports_loading_and_inactive_coordinators) {
  harness h(test_config(), {}, false);
  h.load(0);
  h.core.begin_load(1, 0);
  EXPECT_EQ(list(h)->error_code, ec(error_code::coordinator_load_in_progress));
  h.core.finish_load(1, 0, true, h.now);
  EXPECT_EQ(list(h)->error_code, 0);
  h.core.stop(h.now);
  EXPECT_EQ(list(h)->error_code, ec(error_code::coordinator_not_available));
}

TEST(describe_groups, stable_groups_show_metadata_and_assignments) {
  harness h;
  join_options o;
  o.version = 5;
  o.instance_id = "i1";
  o.client_id = "cl";
  auto j = h.join("g", "", o);
  h.advance(0);
  h.sync("g", j->member_id, 1, {{j->member_id, {5}}});
  auto d = describe(h, {"g", "missing", ""});
  ASSERT_EQ(d->groups.size(), 3u);
  const auto& g = d->groups[0];
  EXPECT_EQ(g.error_code, 0);
  EXPECT_EQ(g.group_state, "Stable");
  EXPECT_EQ(g.protocol_type, "consumer");
  EXPECT_EQ(g.protocol_data, "range");
  ASSERT_EQ(g.members.size(), 1u);
  EXPECT_EQ(g.members[0].member_id, j->member_id);
  EXPECT_EQ(g.members[0].group_instance_id, "i1");
  EXPECT_EQ(g.members[0].client_id, "cl");
  EXPECT_EQ(g.members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(g.members[0].member_metadata, (protocol::bytes{1, 2, 3}));
  EXPECT_EQ(g.members[0].member_assignment, (protocol::bytes{5}));
  EXPECT_EQ(g.authorized_operations, INT32_MIN);
  EXPECT_EQ(d->groups[1].group_state, "Dead");
  EXPECT_EQ(d->groups[1].error_code, 0);
  // The empty id is allowed here (and has no group).
  EXPECT_EQ(d->groups[2].error_code, 0);
  EXPECT_EQ(describe(h, {"g"}, 3, true)->groups[0].authorized_operations, 328);
}

TEST(describe_groups, rebalancing_groups_hide_metadata) {
  harness h;
  auto g = h.make_stable("g", 2);
  h.join("g", g.members[0], join_options{.version = 3});
  auto d = describe(h, {"g"});
  EXPECT_EQ(d->groups[0].group_state, "PreparingRebalance");
  EXPECT_EQ(d->groups[0].protocol_data, "");
  ASSERT_EQ(d->groups[0].members.size(), 2u);
  EXPECT_TRUE(d->groups[0].members[0].member_metadata.empty());
  EXPECT_TRUE(d->groups[0].members[0].member_assignment.empty());
}

TEST(describe_groups, groups_elsewhere_get_not_coordinator) {
  harness h(test_config(), {}, false);
  EXPECT_EQ(describe(h, {"g"})->groups[0].error_code, ec(error_code::not_coordinator));
}

TEST(delete_groups, deletes_empty_groups_with_their_offsets) {
  harness h;
  h.commit("s", "", -1, {{"t", 0, 1}, {"t", 1, 2}});
  h.make_stable("busy", 1);
  size_t before = h.log[h.partition_of("s")].size();
  auto r = remove(h, {"s", "busy", "missing", "s"});
  ASSERT_EQ(r->results.size(), 3u);
  EXPECT_EQ(r->results[0].group_id, "s");
  EXPECT_EQ(r->results[0].error_code, 0);
  EXPECT_EQ(r->results[1].error_code, ec(error_code::non_empty_group));
  EXPECT_EQ(r->results[2].error_code, ec(error_code::group_id_not_found));
  EXPECT_EQ(h.core.find_group("s"), nullptr);
  EXPECT_EQ(h.committed("s", "t", 0), -1);
  // Two offset tombstones and the group's.
  const auto& log = h.log[h.partition_of("s")];
  ASSERT_EQ(log.size(), before + 3);
  for (size_t i = before; i < log.size(); ++i) EXPECT_FALSE(log[i].value.has_value());
}

}  // namespace
}  // namespace sluice::coordinator::testing
