package sluice.clients;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.admin.ShareMemberDescription;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka 4.x's Admin calls for share groups (KIP-932): describe one (ShareGroupDescribe), list
 * every group with its type (ListGroups v5), and list, alter or delete a group's share offsets
 * (DescribeShareGroupOffsets, AlterShareGroupOffsets, DeleteShareGroupOffsets).
 *
 * <pre>
 * ShareGroupAdmin --bootstrap=H:P (--describe=G | --list | --list-offsets=G
 *     | --alter-offsets=G --offsets=t:p:offset,... | --delete-offsets=G --topics=t,...)
 *     [admin property=value ...]
 * </pre>
 *
 * Prints {"state", "epoch", "members": [{"id", "client_id", "assignment": ["t-p"]}]}
 * for --describe, {"groups": [{"id", "type", "state"}]} for --list, {"offsets": {"t-p": start}}
 * for --list-offsets, {"done": true} for the changes; {"error"} (exit 1) on failure.
 */
public final class ShareGroupAdmin {
  public static void main(String[] args) {
    Cli cli = Cli.parse("ShareGroupAdmin", args);
    Map<String, Object> result = Cli.result("ShareGroupAdmin");
    Cli.deadline(60_000, () -> result);
    Properties props = cli.all();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    try (Admin admin = Admin.create(props)) {
      if (cli.has("list-offsets")) {
        String group = cli.get("list-offsets");
        Map<TopicPartition, SharePartitionOffsetInfo> info =
            admin.listShareGroupOffsets(Map.of(group, new ListShareGroupOffsetsSpec()))
                .partitionsToOffsetInfo(group).get();
        Map<String, Object> offsets = new TreeMap<>();
        for (Map.Entry<TopicPartition, SharePartitionOffsetInfo> e : info.entrySet())
          offsets.put(e.getKey().toString(), e.getValue() == null ? null : e.getValue().startOffset());
        result.put("offsets", offsets);
      } else if (cli.has("alter-offsets")) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (String item : cli.get("offsets").split(",")) {
          String[] parts = item.split(":");
          offsets.put(new TopicPartition(parts[0], Integer.parseInt(parts[1])),
              Long.parseLong(parts[2]));
        }
        admin.alterShareGroupOffsets(cli.get("alter-offsets"), offsets).all().get();
        result.put("done", true);
      } else if (cli.has("delete-offsets")) {
        Set<String> topics = new HashSet<>(List.of(cli.get("topics").split(",")));
        admin.deleteShareGroupOffsets(cli.get("delete-offsets"), topics).all().get();
        result.put("done", true);
      } else if (cli.has("describe")) {
        String group = cli.get("describe");
        ShareGroupDescription d =
            admin.describeShareGroups(List.of(group)).describedGroups().get(group).get();
        result.put("state", d.groupState().toString());
        result.put("epoch", d.groupEpoch());
        List<Object> members = new ArrayList<>();
        for (ShareMemberDescription m : d.members()) {
          Map<String, Object> out = new TreeMap<>();
          out.put("id", m.consumerId());
          out.put("client_id", m.clientId());
          List<String> assigned = new ArrayList<>();
          for (TopicPartition tp : m.assignment().topicPartitions()) assigned.add(tp.toString());
          out.put("assignment", assigned);
          members.add(out);
        }
        result.put("members", members);
      } else {
        List<Object> groups = new ArrayList<>();
        for (GroupListing g : admin.listGroups().all().get()) {
          Map<String, Object> out = new TreeMap<>();
          out.put("id", g.groupId());
          out.put("type", g.type().map(Object::toString).orElse(""));
          out.put("state", g.groupState().map(Object::toString).orElse(""));
          groups.add(out);
        }
        result.put("groups", groups);
      }
    } catch (Exception e) {
      result.put("error", Cli.describe(e));
      Cli.finish(result, 1);
    }
    Cli.finish(result, 0);
  }
}
