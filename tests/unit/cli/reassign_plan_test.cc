// Tests of kafka-reassign-partitions' plans and text (cli/kafka/reassign_plan.h), with the cases
// of Kafka 3.9's ReassignPartitionsUnitTest where they apply.
#include "cli/kafka/reassign_plan.h"
#include "cli/tools.h"

#include <gtest/gtest.h>

namespace sluice::cli::reassign {
namespace {

std::string message_of(const auto& outcome) {
  return outcome ? std::string("(no failure)") : outcome.message();
}

TEST(ReassignPlan, TopicPartitionsAndReplicasSortAsKafkaComparesThem) {
  EXPECT_LT((topic_partition{"abc", 1}), (topic_partition{"abc", 2}));
  EXPECT_LT((topic_partition{"abc", 9}), (topic_partition{"def", 0}));
  // Replicas: by broker first, then topic and partition.
  EXPECT_LT((topic_partition_replica{0, "def", 0}), (topic_partition_replica{1, "abc", 0}));
  EXPECT_LT((topic_partition_replica{1, "abc", 5}), (topic_partition_replica{1, "def", 0}));
  EXPECT_EQ((topic_partition_replica{2, "foo", 1}).to_string(), "foo-1-2");
}

TEST(ReassignPlan, JavaHashSetOrder) {
  EXPECT_EQ(java_hash(std::string_view("foo")), 101574);
  EXPECT_EQ(java_hash(std::string_view("")), 0);
  EXPECT_EQ(java_hash(std::string_view("é")), 233);  // UTF-16, not UTF-8 bytes
  EXPECT_EQ(java_hash_set(std::vector<std::string>{"foo", "bar"}),
            (std::vector<std::string>{"bar", "foo"}));
  EXPECT_EQ(java_hash_set(std::vector<int32_t>{15, 16, 3, 3}), (std::vector<int32_t>{16, 3, 15}));
  // Thirteen entries grow the table to 32 buckets: 16 then sorts after 15.
  std::vector<int32_t> many;
  for (int32_t i = 17; i >= 5; --i) many.push_back(i);
  auto ordered = java_hash_set(many);
  EXPECT_EQ(ordered.front(), 5);
  EXPECT_EQ(ordered.back(), 17);
  EXPECT_EQ(java_collection_text({"1", "2"}), "[1, 2]");
}

TEST(ReassignPlan, ParsesReassignmentJsonWithLogDirs) {
  auto file = parse_reassignment_json(
      R"({"version":1,"partitions":[{"topic":"foo","partition":0,"replicas":[1,2,3],)"
      R"("log_dirs":["/tmp/a","any","/tmp/b"]},{"topic":"bar","partition":1,"replicas":[4]}]})");
  ASSERT_TRUE(file) << file.message();
  ASSERT_EQ(file->partitions.size(), 2u);
  EXPECT_EQ(file->partitions[0].first, (topic_partition{"foo", 0}));
  EXPECT_EQ(file->partitions[1].second, (replica_list{4}));
  EXPECT_EQ(file->log_dirs, (log_dir_moves{{{1, "foo", 0}, "/tmp/a"}, {{3, "foo", 0}, "/tmp/b"}}));
}

TEST(ReassignPlan, ReassignmentJsonErrorsAreKafkas) {
  auto bad = parse_reassignment_json("{invalid_json");
  EXPECT_EQ(bad.error().code.type, admin_operation_failed);
  EXPECT_TRUE(message_of(bad).starts_with("Unexpected character ('i' (code 105))"))
      << bad.message();
  EXPECT_EQ(message_of(parse_reassignment_json("[]")), "Expected JSON object, received []");
  EXPECT_EQ(message_of(parse_reassignment_json(R"({"version":3})")),
            "Not supported version field value 3");
  EXPECT_EQ(message_of(parse_reassignment_json(R"({"partitions":[{"topic":"a"}]})")),
            "No such field exists: `partition`");
  EXPECT_EQ(message_of(parse_reassignment_json(
                R"({"partitions":[{"topic":"a","partition":1.5,"replicas":[]}]})")),
            "Expected `Integer` value, received 1.5");
  EXPECT_EQ(message_of(parse_reassignment_json(
                R"({"partitions":[{"topic":"a","partition":1,"replicas":3}]})")),
            "Expected `JSON array` value, received 3");
  EXPECT_EQ(
      message_of(parse_reassignment_json(
          R"({"partitions":[{"topic":"a","partition":1,"replicas":[1,2],"log_dirs":["any"]}]})")),
      "Size of replicas list [1, 2] is different from size of log dirs list [any] for "
      "partition a-1");
}

TEST(ReassignPlan, ExecuteChecks) {
  auto check = [](std::string_view json) {
    auto file = parse_reassignment_json(json);
    EXPECT_TRUE(file) << file.message();
    return message_of(checked_for_execute(*file));
  };
  EXPECT_EQ(check(R"({"version":1,"partitions":[]})"),
            "Partition reassignment list cannot be empty");
  EXPECT_EQ(check(R"({"partitions":[{"topic":"foo","partition":0,"replicas":[]}]})"),
            "Partition replica list cannot be empty");
  EXPECT_EQ(check(R"({"partitions":[{"topic":"foo","partition":0,"replicas":[0,1]},)"
                  R"({"topic":"foo","partition":0,"replicas":[0,1]}]})"),
            "Partition reassignment contains duplicate topic partitions: foo-0");
  EXPECT_EQ(check(R"({"partitions":[{"topic":"foo","partition":0,"replicas":[0,1,1,0]},)"
                  R"({"topic":"foo","partition":1,"replicas":[2,2]}]})"),
            "Partition replica lists may not contain duplicate entries: foo-0 contains multiple "
            "entries for 0,1. foo-1 contains multiple entries for 2");
  auto ok = parse_reassignment_json(
      R"({"partitions":[{"topic":"foo","partition":0,"replicas":[1,2,3]}]})");
  auto a = checked_for_execute(*ok);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (assignment{{{"foo", 0}, {1, 2, 3}}}));
}

TEST(ReassignPlan, GenerateArgs) {
  auto args =
      parse_generate_args(R"({"topics":[{"topic":"foo"},{"topic":"bar"}],"version":1})", "5,3,4");
  ASSERT_TRUE(args);
  EXPECT_EQ(args->brokers, (std::vector<int32_t>{5, 3, 4}));
  EXPECT_EQ(args->topics, (std::vector<std::string>{"foo", "bar"}));
  EXPECT_TRUE(parse_generate_args(R"({"topics":[]})", "1,2,"));  // split drops the trailing ""
  EXPECT_EQ(message_of(parse_generate_args(R"({"topics":[]})", "1,2,1,2")),
            "Broker list contains duplicate entries: [1, 2]");
  EXPECT_EQ(message_of(parse_generate_args(R"({"topics":[]})", "1, 2")),
            "For input string: \" 2\"");
  EXPECT_EQ(message_of(parse_generate_args(R"({"topics":[{"topic":"foo"},{"topic":"foo"}]})", "1")),
            "List of topics to reassign contains duplicate entries: [foo]");
  EXPECT_EQ(message_of(parse_generate_args("{bad", "1")), "The input string is not a valid JSON");
  EXPECT_EQ(message_of(parse_generate_args(R"({"version":2})", "1")),
            "Not supported version field value 2");
}

TEST(ReassignPlan, ReassignmentJsonIsJacksonsCompactForm) {
  EXPECT_EQ(reassignment_json({{{"foo", 1}, {4, 5}}, {{"bar", 0}, {7}}}, {{{5, "foo", 1}, "/d"}}),
            R"({"version":1,"partitions":[{"topic":"bar","partition":0,"replicas":[7],)"
            R"("log_dirs":["any"]},{"topic":"foo","partition":1,"replicas":[4,5],)"
            R"("log_dirs":["any","/d"]}]})");
  EXPECT_EQ(reassignment_json({}), R"({"version":1,"partitions":[]})");
}

TEST(ReassignPlan, CurrentPartitionReplicaAssignmentText) {
  assignment proposed{{{"foo", 0}, {1, 2, 3}}, {{"foo", 1}, {1, 2, 3}}, {{"bar", 0}, {7, 8, 9}}};
  assignment current{{{"foo", 0}, {1, 2, 3}},
                     {{"foo", 1}, {4, 5, 6}},
                     {{"bar", 0}, {7, 8}},
                     {{"baz", 0}, {10, 11, 12}}};
  EXPECT_EQ(current_assignment_text(proposed, current),
            "Current partition replica assignment\n\n"
            R"({"version":1,"partitions":[{"topic":"bar","partition":0,"replicas":[7,8],)"
            R"("log_dirs":["any","any"]},{"topic":"foo","partition":0,"replicas":[1,2,3],)"
            R"("log_dirs":["any","any","any"]},{"topic":"foo","partition":1,"replicas":[4,5,6],)"
            R"("log_dirs":["any","any","any"]}]})"
            "\n\nSave this to use as the --reassignment-json-file option during rollback");
}

TEST(ReassignPlan, MoveMapAndThrottles) {
  std::map<topic_partition, partition_reassignment> ongoing{
      {{"foo", 0}, {{1, 2, 3, 4}, {4}, {3}}},       {{"foo", 1}, {{4, 5, 6, 7, 8}, {7, 8}, {4, 5}}},
      {{"foo", 2}, {{1, 2, 3, 4}, {3, 4}, {1, 2}}}, {{"foo", 3}, {{1, 2, 3, 4}, {3, 4}, {1, 2}}},
      {{"foo", 4}, {{1, 2, 3, 4}, {3, 4}, {1, 2}}}, {{"foo", 5}, {{1, 2, 3, 4}, {3, 4}, {1, 2}}}};
  assignment proposed{{{"foo", 0}, {1, 2, 5}}, {{"foo", 2}, {3, 4}},       {{"foo", 3}, {5, 6}},
                      {{"foo", 4}, {3}},       {{"foo", 5}, {3, 4, 5, 6}}, {{"bar", 0}, {1, 2, 3}}};
  assignment current{{{"foo", 0}, {1, 2, 3, 4}}, {{"foo", 1}, {4, 5, 6, 7, 8}},
                     {{"foo", 2}, {1, 2, 3, 4}}, {{"foo", 3}, {1, 2, 3, 4}},
                     {{"foo", 4}, {1, 2, 3, 4}}, {{"foo", 5}, {1, 2, 3, 4}},
                     {{"bar", 0}, {2, 3, 4}},    {{"baz", 0}, {1, 2, 3}}};
  const move_map moves = proposed_move_map(ongoing, proposed, current);
  const std::map<int32_t, partition_move> foo{{0, {{1, 2, 3}, {5}}}, {1, {{4, 5, 6}, {7, 8}}},
                                              {2, {{1, 2}, {3, 4}}}, {3, {{1, 2}, {5, 6}}},
                                              {4, {{1, 2}, {3}}},    {5, {{1, 2}, {3, 4, 5, 6}}}};
  EXPECT_EQ(moves.at("foo"), foo);
  EXPECT_EQ(moves.at("bar"), (std::map<int32_t, partition_move>{{0, {{2, 3, 4}, {1}}}}));
  EXPECT_EQ(leader_throttles(moves),
            (std::map<std::string, std::string>{
                {"foo", "0:1,0:2,0:3,1:4,1:5,1:6,2:1,2:2,3:1,3:2,4:1,4:2,5:1,5:2"},
                {"bar", "0:2,0:3,0:4"}}));
  EXPECT_EQ(follower_throttles(moves),
            (std::map<std::string, std::string>{
                {"foo", "0:5,1:7,1:8,2:3,2:4,3:5,3:6,4:3,5:3,5:4,5:5,5:6"}, {"bar", "0:1"}}));
  EXPECT_EQ(reassigning_brokers(moves), (std::set<int32_t>{1, 2, 3, 4, 5, 6, 7, 8}));

  auto changes = topic_throttle_changes(moves);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_FALSE(changes[0].broker);
  EXPECT_EQ(changes[0].name, "bar");
  EXPECT_EQ(changes[0].ops[0].first, "leader.replication.throttled.replicas");
  EXPECT_EQ(changes[0].ops[1].second, "0:1");
  auto rates = broker_rate_changes({1, 2}, 1000);
  ASSERT_EQ(rates.size(), 2u);
  EXPECT_TRUE(rates[1].broker);
  EXPECT_EQ(rates[1].name, "2");
  EXPECT_EQ(rates[1].ops[1], (std::pair<std::string, std::optional<std::string>>{
                                 "follower.replication.throttled.rate", "1000"}));
}

TEST(ReassignPlan, ThrottleComponentsSortAsText) {
  move_map moves{{"t", {{10, {{1}, {2}}}, {2, {{1}, {3}}}}}};
  EXPECT_EQ(leader_throttles(moves).at("t"), "10:1,2:1");
  EXPECT_EQ(follower_throttles(moves).at("t"), "10:2,2:3");
}

TEST(ReassignPlan, BrokerIdsAndPartitionsMustExist) {
  std::vector<cluster_node> cluster{{0, {}}, {1, {}}, {2, {}}, {3, {}}};
  EXPECT_TRUE(check_broker_ids({{{"foo", 0}, {1, 2}}}, cluster));
  EXPECT_EQ(message_of(check_broker_ids({{{"foo", 0}, {1, 4}}}, cluster)), "Unknown broker id 4");

  std::map<std::string, topic_replicas> topics;
  topics["foo"].partitions = {{0, {0, 1, 2}}, {1, {1, 2, 3}}};
  auto found = find_partitions({{"foo", 0}}, topics);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->at({"foo", 0}), (replica_list{0, 1, 2}));
  auto missing = find_partitions({{"foo", 0}, {"foo", 10}}, topics);
  EXPECT_EQ(message_of(missing),
            "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Unable to find "
            "partition: foo-10");
  EXPECT_EQ(missing.error().code.type, "java.util.concurrent.ExecutionException");
  topics["quux"].error = api_error{3, std::nullopt};
  EXPECT_EQ(message_of(find_partitions({{"quux", 0}}, topics)),
            "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic quux not "
            "found.");
}

TEST(ReassignPlan, GenerateAssignsOverTheGivenBrokers) {
  std::vector<cluster_node> cluster{{0, "r0"}, {1, "r1"}, {2, {}}, {3, "r1"}};
  EXPECT_TRUE(message_of(brokers_to_assign(cluster, {0, 1, 2}, true))
                  .starts_with("Not all brokers have rack information."));
  auto racks = brokers_to_assign(cluster, {0, 1, 3}, true);
  ASSERT_TRUE(racks);
  EXPECT_EQ(racks->size(), 3u);
  auto plain = brokers_to_assign(cluster, {0, 1, 2, 7}, false);
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->size(), 3u);  // broker 7 is not in the cluster
  EXPECT_FALSE((*plain)[0].rack);

  assignment current{{{"foo", 0}, {0, 1, 2}}, {{"foo", 1}, {1, 2, 3}}, {{"bar", 0}, {2, 3}}};
  EXPECT_EQ(message_of(propose_assignment(current, {{3, {}}, {4, {}}})),
            "Replication factor: 3 larger than available brokers: 2.");
  auto proposed = propose_assignment(current, {{3, {}}, {4, {}}, {5, {}}}, 0, 0);
  ASSERT_TRUE(proposed) << proposed.message();
  ASSERT_EQ(proposed->size(), 3u);
  EXPECT_EQ(proposed->at({"foo", 0}), (replica_list{3, 4, 5}));
  EXPECT_EQ(proposed->at({"foo", 1}), (replica_list{4, 5, 3}));
  EXPECT_EQ(proposed->at({"bar", 0}).size(), 2u);
  for (const auto& [tp, replicas] : *proposed) {
    for (int32_t r : replicas) EXPECT_TRUE(r >= 3 && r <= 5);
  }
}

TEST(ReassignPlan, PartitionReassignmentStates) {
  reassignment_states states{{{"foo", 0}, {{1, 2, 3}, {1, 2, 3}, true}},
                             {{"foo", 1}, {{1, 2, 3}, {1, 2, 4}, false}},
                             {{"bar", 0}, {{1, 2, 3}, {1, 2, 4}, false}},
                             {{"baz", 0}, {{1, 2}, {3}, true}}};
  EXPECT_EQ(reassignment_states_text(states),
            "Status of partition reassignment:\n"
            "Reassignment of partition bar-0 is still in progress.\n"
            "There is no active reassignment of partition baz-0, but replica set is 1,2 rather "
            "than 3.\n"
            "Reassignment of partition foo-0 is completed.\n"
            "Reassignment of partition foo-1 is still in progress.");
}

TEST(ReassignPlan, FindsStatesFromOngoingAndCurrentReplicas) {
  reassignment_file file;
  file.partitions = {
      {{"foo", 0}, {0, 1, 3}}, {{"foo", 1}, {1, 2, 3}}, {{"quux", 0}, {1}}, {{"foo", 5}, {1}}};
  std::map<topic_partition, partition_reassignment> ongoing{{{"foo", 0}, {{0, 1, 2, 3}, {3}, {2}}}};
  std::map<std::string, topic_replicas> topics;
  topics["foo"].partitions = {{0, {0, 1, 2}}, {1, {1, 2, 3}}};
  topics["quux"].error = api_error{3, std::nullopt};
  auto found = find_reassignment_states(file, ongoing, topics);
  ASSERT_TRUE(found) << found.message();
  EXPECT_TRUE(found->second);
  EXPECT_EQ(found->first.at({"foo", 0}), (reassignment_state{{0, 1, 2, 3}, {0, 1, 3}, false}));
  EXPECT_EQ(found->first.at({"foo", 1}), (reassignment_state{{1, 2, 3}, {1, 2, 3}, true}));
  EXPECT_EQ(found->first.at({"quux", 0}), (reassignment_state{{}, {1}, true}));
  EXPECT_EQ(found->first.at({"foo", 5}), (reassignment_state{{}, {1}, true}));
  // Kafka's bounds check is one short: the partition just past the last one fails.
  file.partitions = {{{"foo", 2}, {1}}};
  EXPECT_EQ(message_of(find_reassignment_states(file, {}, topics)),
            "Index 2 out of bounds for length 2");
}

TEST(ReassignPlan, ReplicaMoveStates) {
  std::map<topic_partition_replica, log_dir_state> states{
      {{0, "bar", 0},
       log_dir_state_of(replica_log_dir_info{"/tmp/kafka-logs0", {}}, "/tmp/kafka-logs0")},
      {{0, "foo", 0},
       log_dir_state_of(replica_log_dir_info{"/tmp/kafka-logs0", "/tmp/kafka-logs1"},
                        "/tmp/kafka-logs1")},
      {{0, "foo", 1},
       log_dir_state_of(replica_log_dir_info{"/tmp/kafka-logs0", {}}, "/tmp/kafka-logs1")},
      {{0, "quux", 0}, log_dir_state_of(std::nullopt, "/tmp/kafka-logs1")},
      {{1, "quux", 1},
       log_dir_state_of(replica_log_dir_info{"/tmp/kafka-logs0", "/tmp/kafka-logs2"},
                        "/tmp/kafka-logs1")},
      {{1, "quux", 2}, log_dir_state_of(replica_log_dir_info{}, "/tmp/kafka-logs1")}};
  EXPECT_EQ(log_dir_states_text(states),
            "Reassignment of replica bar-0-0 completed successfully.\n"
            "Reassignment of replica foo-0-0 is still in progress.\n"
            "Partition foo-1 on broker 0 is not being moved from log dir /tmp/kafka-logs0 to "
            "/tmp/kafka-logs1.\n"
            "Partition quux-0 cannot be found in any live log directory on broker 0.\n"
            "Partition quux-1 on broker 1 is being moved to log dir /tmp/kafka-logs2 instead of "
            "/tmp/kafka-logs1.\n"
            "Partition quux-2 is not found in any live log dir on broker 1. There is likely an "
            "offline log directory on the broker.");
  EXPECT_EQ(log_dir_states_text({}), "");
}

TEST(ReassignPlan, CurrentReassignmentsText) {
  EXPECT_EQ(current_reassignments_text({}), "No partition reassignments found.");
  EXPECT_EQ(current_reassignments_text({{{"foo", 1}, {{1, 2, 3, 4, 5}, {4, 5}, {1, 2}}},
                                        {{"foo", 0}, {{0, 1, 2, 4}, {4}, {}}},
                                        {{"bar", 0}, {{2, 3, 0}, {}, {0}}}}),
            "Current partition reassignments:\n"
            "bar-0: replicas: 2,3,0. removing: 0.\n"
            "foo-0: replicas: 0,1,2,4. adding: 4.\n"
            "foo-1: replicas: 1,2,3,4,5. adding: 4,5. removing: 1,2.");
}

TEST(ReassignPlan, ClearingThrottles) {
  reassignment_file file;
  file.partitions = {{{"foo", 0}, {16, 1}}, {{"bar", 0}, {15}}};
  const auto brokers = throttled_brokers({{0, {}}, {1, {}}}, file);
  EXPECT_EQ(brokers, (std::vector<int32_t>{0, 16, 1, 15}));
  EXPECT_EQ(clearing_brokers_line(brokers), "Clearing broker-level throttles on brokers 0,16,1,15");
  EXPECT_EQ(clearing_brokers_line({0}), "Clearing broker-level throttles on broker 0");
  EXPECT_EQ(clearing_topics_line(throttled_topics(file)),
            "Clearing topic-level throttles on topics bar,foo");
  auto clear = clear_broker_changes({0});
  ASSERT_EQ(clear.size(), 1u);
  EXPECT_EQ(clear[0].ops.size(), 3u);
  EXPECT_FALSE(clear[0].ops[2].second);
  EXPECT_EQ(clear[0].ops[2].first, "replica.alter.log.dirs.io.max.bytes.per.second");
  EXPECT_EQ(clear_topic_changes({"foo"})[0].ops.size(), 2u);
}

TEST(ReassignPlan, StartedAndErrorText) {
  EXPECT_EQ(started_text({{{"foo", 0}, {1}}}),
            "Successfully started partition reassignment for foo-0");
  EXPECT_EQ(started_text({{{"foo", 1}, {1}}, {{"bar", 0}, {1}}}),
            "Successfully started partition reassignments for bar-0,foo-1");
  EXPECT_EQ(partition_errors_text({{{"foo", 0}, {39, std::nullopt}}, {{"bar", 1}, {3, "gone"}}}),
            "bar-1: gone\nfoo-0: Replica assignment is invalid.");
}

TEST(ReassignPlan, FailureText) {
  EXPECT_EQ(failure_text(terse("Cannot execute")), "Cannot execute\n");
  EXPECT_EQ(failure_text(thrown_as(std::string(admin_command_failed), "Unknown broker id 4")),
            "Error: Unknown broker id 4\n"
            "org.apache.kafka.server.common.AdminCommandFailedException: Unknown broker id 4\n");
  EXPECT_EQ(failure_text(execution_failed("org.apache.kafka.common.errors.X: y")),
            "Error: org.apache.kafka.common.errors.X: y\n"
            "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.X: y\n"
            "Caused by: org.apache.kafka.common.errors.X: y\n");
}

}  // namespace
}  // namespace sluice::cli::reassign

// The command line, as Kafka's ReassignPartitionsCommandArgsTest checks it: the first line on
// stderr, exit code 1. Valid command lines get as far as reading their (missing) file, before
// anything is sent.
namespace sluice::cli {
namespace {

struct run_result {
  int code;
  std::string out, err;
};

run_result run(const args_t& args) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int code = kafka_reassign_partitions_main(args);
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  return {code, out, err};
}

std::string first_error_line(const args_t& args) {
  run_result r = run(args);
  EXPECT_EQ(r.code, 1);
  return r.err.substr(0, r.err.find('\n'));
}

const std::string bootstrap = "--bootstrap-server=localhost:1234";

TEST(ReassignArgs, ValidCommandLinesReadTheirFile) {
  for (const args_t& args : std::vector<args_t>{
           {bootstrap, "--generate", "--broker-list", "101,102", "--topics-to-move-json-file",
            "/nonexistent/myfile.json"},
           {bootstrap, "--execute", "--reassignment-json-file", "/nonexistent/myfile.json"},
           {bootstrap, "--verify", "--reassignment-json-file", "/nonexistent/myfile.json"},
           {bootstrap, "--execute", "--throttle", "100", "--reassignment-json-file",
            "/nonexistent/myfile.json"},
           {"--cancel", bootstrap, "--reassignment-json-file", "/nonexistent/myfile.json",
            "--preserve-throttles"},
           {bootstrap, "--gen", "--broker", "1", "--topics-to", "/nonexistent/myfile.json"}}) {
    run_result r = run(args);
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out,
              "Error: /nonexistent/myfile.json\n"
              "java.nio.file.NoSuchFileException: /nonexistent/myfile.json\n");
  }
}

TEST(ReassignArgs, UsageErrors) {
  EXPECT_EQ(first_error_line({}), "This tool helps to move topic partitions between replicas.");
  EXPECT_EQ(first_error_line({"--help"}),
            "This tool helps to move topic partitions between replicas.");
  EXPECT_EQ(first_error_line({" "}),
            "Command must include exactly one action: --generate, --execute, --verify, "
            "--cancel, --list");
  EXPECT_EQ(first_error_line(
                {bootstrap, "--execute", "--verify", "--reassignment-json-file", "myfile.json"}),
            "Command must include exactly one action: --generate, --execute, --verify, "
            "--cancel, --list");
  EXPECT_EQ(first_error_line({"--execute"}), "Please specify --bootstrap-server");
  EXPECT_EQ(first_error_line({"--cancel"}), "Please specify --bootstrap-server");
  EXPECT_EQ(first_error_line({bootstrap, "--execute"}),
            "Missing required argument \"[reassignment-json-file]\"");
  EXPECT_EQ(first_error_line({bootstrap, "--generate"}),
            "Missing required argument \"[topics-to-move-json-file]\"");
  EXPECT_EQ(first_error_line({bootstrap, "--topics-to-move-json-file", "f", "--generate"}),
            "Missing required argument \"[broker-list]\"");
  EXPECT_EQ(first_error_line({bootstrap, "--cancel", "--preserve-throttles"}),
            "Missing required argument \"[reassignment-json-file]\"");
  EXPECT_EQ(first_error_line({bootstrap, "--execute", "--reassignment-json-file", "f",
                              "--topics-to-move-json-file", "f"}),
            "Option \"[topics-to-move-json-file]\" can't be used with action \"[execute]\"");
  EXPECT_EQ(first_error_line({bootstrap, "--execute", "--reassignment-json-file", "f",
                              "--broker-list", "101,102"}),
            "Option \"[broker-list]\" can't be used with action \"[execute]\"");
  EXPECT_EQ(first_error_line({bootstrap, "--generate", "--broker-list", "101,102", "--throttle",
                              "100", "--topics-to-move-json-file", "f"}),
            "Option \"[throttle]\" can't be used with action \"[generate]\"");
  EXPECT_EQ(first_error_line({bootstrap, "--generate", "--broker-list", "1",
                              "--topics-to-move-json-file", "f", "--reassignment-json-file", "f"}),
            "Option \"[reassignment-json-file]\" can't be used with action \"[generate]\"");
  EXPECT_EQ(first_error_line({bootstrap, "--verify", "--broker-list", "100,101",
                              "--reassignment-json-file", "f"}),
            "Option \"[broker-list]\" can't be used with action \"[verify]\"");
  EXPECT_EQ(first_error_line(
                {bootstrap, "--verify", "--throttle", "100", "--reassignment-json-file", "f"}),
            "Option \"[throttle]\" can't be used with action \"[verify]\"");
  EXPECT_EQ(first_error_line({bootstrap, "--list", "--additional"}),
            "Option \"[additional]\" can't be used with action \"[list]\"");
}

TEST(ReassignArgs, LongValuesAreReadWhenUsed) {
  run_result r =
      run({bootstrap, "--execute", "--reassignment-json-file", "/dev/null", "--timeout", "soon"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')),
            "Error: Cannot parse argument 'soon' of option timeout");
}

}  // namespace
}  // namespace sluice::cli
