package sluice.clients;

import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A member of a share group (KIP-932's KafkaShareConsumer, Kafka 4.x only): subscribes to a topic
 * and acknowledges each record it gets explicitly — ACCEPT, or RELEASE for records whose value is
 * {@code --release} (so they are delivered again), or REJECT for {@code --reject} — until the file
 * {@code --stop-file} appears or the deadline passes; then it closes (which ends its share session).
 *
 * <pre>
 * ShareConsume --bootstrap=H:P --group=G --topic=T --events=FILE --stop-file=FILE
 *              [--release=VALUE] [--reject=VALUE] [--timeout-ms=120000] [property=value ...]
 * </pre>
 *
 * Each record delivered is appended at once to {@code --events} as one JSON line
 * {"p", "o", "v", "d" (its delivery count), "ack"}, so a test can follow the run. Prints
 * {"received", "acknowledge_errors"} at the end.
 */
public final class ShareConsume {
  public static void main(String[] args) throws Exception {
    Cli cli = Cli.parse("ShareConsume", args);
    String release = cli.get("release", null);
    String reject = cli.get("reject", null);
    Path stop = Path.of(cli.get("stop-file"));
    long timeoutMs = cli.getLong("timeout-ms", 120_000);
    Map<String, Object> result = Cli.result("ShareConsume");
    long[] received = {0};
    long[] ackErrors = {0};
    Cli.deadline(timeoutMs, () -> {
      result.put("received", received[0]);
      return result;
    });

    Properties props = cli.all();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    props.put(ConsumerConfig.GROUP_ID_CONFIG, cli.get("group"));
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-java-share");
    props.put("share.acknowledgement.mode", "explicit");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());

    try (PrintStream events = new PrintStream(new FileOutputStream(cli.get("events"), true), true,
             StandardCharsets.UTF_8);
         KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(props)) {
      consumer.setAcknowledgementCommitCallback((offsets, error) -> {
        if (error != null) ackErrors[0]++;
      });
      consumer.subscribe(List.of(cli.get("topic")));
      while (!Files.exists(stop)) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> r : records) {
          AcknowledgeType type = AcknowledgeType.ACCEPT;
          if (r.value() != null && r.value().equals(release)) type = AcknowledgeType.RELEASE;
          if (r.value() != null && r.value().equals(reject)) type = AcknowledgeType.REJECT;
          consumer.acknowledge(r, type);
          received[0]++;
          events.println(Json.of(Map.of("p", r.partition(), "o", r.offset(),
              "v", String.valueOf(r.value()), "d", (int) r.deliveryCount().orElse((short) -1),
              "ack", type.toString())));
        }
        if (!records.isEmpty()) consumer.commitSync();
      }
    } catch (Exception e) {
      result.put("error", Cli.describe(e));
      result.put("received", received[0]);
      Cli.finish(result, 1);
    }
    result.put("received", received[0]);
    result.put("acknowledge_errors", ackErrors[0]);
    Cli.finish(result, 0);
  }
}
