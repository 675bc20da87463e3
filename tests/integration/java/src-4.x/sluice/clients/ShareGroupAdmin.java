package sluice.clients;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ShareMemberDescription;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka 4.x's Admin calls for share groups (KIP-932): describe one (ShareGroupDescribe) or list
 * every group with its type (ListGroups v5).
 *
 * <pre>
 * ShareGroupAdmin --bootstrap=H:P (--describe=G | --list) [admin property=value ...]
 * </pre>
 *
 * Prints {"state", "epoch", "members": [{"id", "client_id", "assignment": ["t-p"]}]}
 * for --describe, {"groups": [{"id", "type", "state"}]} for --list; {"error"} (exit 1) on failure.
 */
public final class ShareGroupAdmin {
  public static void main(String[] args) {
    Cli cli = Cli.parse("ShareGroupAdmin", args);
    Map<String, Object> result = Cli.result("ShareGroupAdmin");
    Cli.deadline(60_000, () -> result);
    Properties props = cli.all();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    try (Admin admin = Admin.create(props)) {
      if (cli.has("describe")) {
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
