package sluice.clients;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.security.token.delegation.DelegationToken;
import org.apache.kafka.common.security.token.delegation.TokenInformation;

/**
 * The Java AdminClient: each option is one call, done in this order, and each adds its answer.
 *
 * <pre>
 * AdminOps --bootstrap=H:P [--create-topic=T [--partitions=1] [--replication-factor=1]]
 *          [--describe-cluster] [--describe-topic=T] [--list-topics] [--create-token]
 *          [--describe-tokens] [--expire-token] [--reassign=T:P:1,2|T:P:cancel[;...]]
 *          [--list-reassignments] [--timeout-ms=60000] [admin property=value ...]
 * </pre>
 *
 * Prints {"created", "cluster" {cluster_id, controller, nodes [{id, host, port}]}, "topic"
 * {name, internal, partitions [{partition, leader, replicas, isr}]}, "topics" [...], "token"
 * {token_id, hmac (Base64), owner, issue, expiry, max}, "tokens" [the same], "expired" (expiry
 * timestamp of the created token, expired at once), "reassigned" {"T-P": "ok" or the error's
 * class and message}, "reassignments" {"T-P": {replicas, adding, removing}}, "error"};
 * exits 0, or 2 on the first failed call (its error named in "error").
 */
public final class AdminOps {
  public static void main(String[] args) throws Exception {
    Cli cli = Cli.parse("AdminOps", args);
    long timeoutMs = cli.getLong("timeout-ms", 60_000);
    Properties props = cli.all();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-java-admin");
    props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMs));

    Map<String, Object> r = Cli.result("AdminOps");
    Cli.deadline(timeoutMs + 30_000, () -> r);
    int code = 0;
    try (Admin admin = Admin.create(props)) {
      if (cli.has("create-topic")) {
        String name = cli.get("create-topic");
        NewTopic t = new NewTopic(name, (int) cli.getLong("partitions", 1),
            (short) cli.getLong("replication-factor", 1));
        admin.createTopics(List.of(t)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        r.put("created", name);
      }
      if (cli.flag("describe-cluster")) {
        DescribeClusterResult c = admin.describeCluster();
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("cluster_id", c.clusterId().get(timeoutMs, TimeUnit.MILLISECONDS));
        Node controller = c.controller().get(timeoutMs, TimeUnit.MILLISECONDS);
        cluster.put("controller", controller == null ? null : controller.id());
        List<Object> nodes = new ArrayList<>();
        for (Node n : c.nodes().get(timeoutMs, TimeUnit.MILLISECONDS)) nodes.add(node(n));
        cluster.put("nodes", nodes);
        r.put("cluster", cluster);
      }
      if (cli.has("describe-topic")) {
        String name = cli.get("describe-topic");
        TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames()
            .get(timeoutMs, TimeUnit.MILLISECONDS).get(name);
        Map<String, Object> topic = new LinkedHashMap<>();
        topic.put("name", d.name());
        topic.put("internal", d.isInternal());
        List<Object> parts = new ArrayList<>();
        for (TopicPartitionInfo p : d.partitions()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("partition", p.partition());
          m.put("leader", p.leader() == null ? null : p.leader().id());
          List<Object> replicas = new ArrayList<>();
          for (Node n : p.replicas()) replicas.add(n.id());
          m.put("replicas", replicas);
          List<Object> isr = new ArrayList<>();
          for (Node n : p.isr()) isr.add(n.id());
          m.put("isr", isr);
          parts.add(m);
        }
        topic.put("partitions", parts);
        r.put("topic", topic);
      }
      if (cli.flag("list-topics")) {
        var names = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
        r.put("topics", new ArrayList<>(new TreeSet<>(names)));
      }
      DelegationToken created = null;
      if (cli.flag("create-token")) {
        created = admin.createDelegationToken().delegationToken()
            .get(timeoutMs, TimeUnit.MILLISECONDS);
        r.put("token", token(created));
      }
      if (cli.flag("describe-tokens")) {
        List<Object> tokens = new ArrayList<>();
        for (DelegationToken t : admin.describeDelegationToken().delegationTokens()
            .get(timeoutMs, TimeUnit.MILLISECONDS)) tokens.add(token(t));
        r.put("tokens", tokens);
      }
      if (cli.flag("expire-token") && created != null) {
        long at = admin.expireDelegationToken(created.hmac(),
            new org.apache.kafka.clients.admin.ExpireDelegationTokenOptions().expiryTimePeriodMs(-1))
            .expiryTimestamp().get(timeoutMs, TimeUnit.MILLISECONDS);
        r.put("expired", at);
      }
      if (cli.has("reassign")) {
        Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new LinkedHashMap<>();
        for (String move : cli.get("reassign").split(";")) {
          String[] f = move.split(":");
          TopicPartition tp = new TopicPartition(f[0], Integer.parseInt(f[1]));
          if (f[2].equals("cancel")) {
            moves.put(tp, Optional.empty());
          } else {
            List<Integer> ids = new ArrayList<>();
            for (String id : f[2].split(",")) ids.add(Integer.parseInt(id));
            moves.put(tp, Optional.of(new NewPartitionReassignment(ids)));
          }
        }
        Map<String, Object> outcome = new LinkedHashMap<>();
        for (var e : admin.alterPartitionReassignments(moves).values().entrySet()) {
          try {
            e.getValue().get(timeoutMs, TimeUnit.MILLISECONDS);
            outcome.put(e.getKey().toString(), "ok");
          } catch (java.util.concurrent.ExecutionException failed) {
            outcome.put(e.getKey().toString(), Cli.describe(failed));
          }
        }
        r.put("reassigned", outcome);
      }
      if (cli.flag("list-reassignments")) {
        Map<String, Object> listed = new LinkedHashMap<>();
        for (var e : admin.listPartitionReassignments().reassignments()
            .get(timeoutMs, TimeUnit.MILLISECONDS).entrySet()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("replicas", e.getValue().replicas());
          m.put("adding", e.getValue().addingReplicas());
          m.put("removing", e.getValue().removingReplicas());
          listed.put(e.getKey().toString(), m);
        }
        r.put("reassignments", listed);
      }
    } catch (Exception e) {
      r.put("error", Cli.describe(e));
      code = 2;
    }
    Cli.finish(r, code);
  }

  private static Map<String, Object> token(DelegationToken t) {
    TokenInformation info = t.tokenInfo();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("token_id", info.tokenId());
    m.put("hmac", Base64.getEncoder().encodeToString(t.hmac()));
    m.put("owner", info.ownerAsString());
    m.put("issue", info.issueTimestamp());
    m.put("expiry", info.expiryTimestamp());
    m.put("max", info.maxTimestamp());
    return m;
  }

  private static Map<String, Object> node(Node n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", n.id());
    m.put("host", n.host());
    m.put("port", n.port());
    return m;
  }
}
