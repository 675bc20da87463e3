package sluice.clients;

import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.SupportedVersionRange;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;

/**
 * Kafka's Admin feature calls (KIP-584): describeFeatures (ApiVersions' feature fields) and
 * updateFeatures (UpdateFeatures, sent to the controller).
 *
 * <pre>
 * FeaturesAdmin --bootstrap=H:P [--update=name:level[:safe|unsafe] [--dry-run]]
 * </pre>
 *
 * Prints {"finalized": {name: level}, "supported": {name: [min, max]}, "epoch"} after the update
 * if any; {"error"} (exit 1) on failure.
 */
public final class FeaturesAdmin {
  public static void main(String[] args) {
    Cli cli = Cli.parse("FeaturesAdmin", args);
    Map<String, Object> result = Cli.result("FeaturesAdmin");
    Cli.deadline(60_000, () -> result);
    Properties props = cli.all();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    try (Admin admin = Admin.create(props)) {
      if (cli.has("update")) {
        String[] parts = cli.get("update").split(":");
        FeatureUpdate.UpgradeType type = FeatureUpdate.UpgradeType.UPGRADE;
        if (parts.length > 2 && parts[2].equals("safe"))
          type = FeatureUpdate.UpgradeType.SAFE_DOWNGRADE;
        if (parts.length > 2 && parts[2].equals("unsafe"))
          type = FeatureUpdate.UpgradeType.UNSAFE_DOWNGRADE;
        admin.updateFeatures(
                Map.of(parts[0], new FeatureUpdate(Short.parseShort(parts[1]), type)),
                new UpdateFeaturesOptions().validateOnly(cli.has("dry-run")))
            .all().get();
      }
      FeatureMetadata m = admin.describeFeatures().featureMetadata().get();
      Map<String, Object> finalized = new TreeMap<>();
      for (Map.Entry<String, FinalizedVersionRange> e : m.finalizedFeatures().entrySet())
        finalized.put(e.getKey(), (int) e.getValue().maxVersionLevel());
      Map<String, Object> supported = new TreeMap<>();
      for (Map.Entry<String, SupportedVersionRange> e : m.supportedFeatures().entrySet())
        supported.put(e.getKey(),
            java.util.List.of((int) e.getValue().minVersion(), (int) e.getValue().maxVersion()));
      result.put("finalized", finalized);
      result.put("supported", supported);
      result.put("epoch", m.finalizedFeaturesEpoch().orElse(-1L));
    } catch (Exception e) {
      result.put("error", Cli.describe(e));
      Cli.finish(result, 1);
    }
    Cli.finish(result, 0);
  }
}
