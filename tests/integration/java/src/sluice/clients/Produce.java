package sluice.clients;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends records {@code first..first+count-1}: record i has key {@code <key-prefix>i} and value
 * {@code <value-prefix>i} (padded with '.' to {@code --value-size} bytes if given).
 *
 * <pre>
 * Produce --bootstrap=H:P --topic=T --count=N [--first=0] [--partition=P] [--key-prefix=k-]
 *         [--value-prefix=v-] [--value-size=S] [--sync] [--offsets] [--timeout-ms=120000]
 *         [producer property=value ...]
 * </pre>
 *
 * Prints {"sent", "acked", "error_count", "errors" (the first distinct ones), "partitions"
 * {p: {count, first_offset, last_offset}}, "offsets" ([[i, partition, offset], ...] with
 * --offsets)}. Exits 0 when every record was acknowledged, 2 when some failed, 3 on the deadline.
 * The producer's properties are Kafka's defaults unless given: pass enable.idempotence=false for a
 * broker without InitProducerId.
 */
public final class Produce {
  public static void main(String[] args) throws Exception {
    Cli cli = Cli.parse("Produce", args);
    String topic = cli.get("topic");
    long count = cli.getLong("count");
    long first = cli.getLong("first", 0);
    int partition = (int) cli.getLong("partition", -1);
    String keyPrefix = cli.get("key-prefix", "k-");
    String valuePrefix = cli.get("value-prefix", "v-");
    int valueSize = (int) cli.getLong("value-size", 0);
    boolean sync = cli.flag("sync");
    boolean listOffsets = cli.flag("offsets");

    Properties props = cli.all();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "sluice-java-produce");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());

    State state = new State(listOffsets);
    long started = System.nanoTime();
    Cli.deadline(cli.getLong("timeout-ms", 120_000), () -> state.report(started));

    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (long i = first; i < first + count; i++) {
        String value = valuePrefix + i;
        if (value.length() < valueSize) value = value + ".".repeat(valueSize - value.length());
        ProducerRecord<String, String> record =
            partition >= 0 ? new ProducerRecord<>(topic, partition, keyPrefix + i, value)
                           : new ProducerRecord<>(topic, keyPrefix + i, value);
        final long index = i;
        try {
          var future = producer.send(record, (md, e) -> state.completed(index, md == null ? -1 : md.partition(),
              md == null ? -1 : md.offset(), e));
          state.sent();
          if (sync) future.get();
        } catch (Exception e) {
          // A synchronous failure (fatal producer state, or --sync): the rest would fail the same way.
          state.failedToSend(e);
          break;
        }
      }
      producer.flush();
      producer.close(Duration.ofSeconds(30));
    } catch (Exception e) {
      state.failedToSend(e);
    }
    Map<String, Object> r = state.report(started);
    Cli.finish(r, state.ok(count) ? 0 : 2);
  }

  private static final class State {
    private long sent;
    private long acked;
    private long errorCount;
    private final LinkedHashSet<String> errors = new LinkedHashSet<>();
    private final Map<Integer, long[]> partitions = new TreeMap<>(); // count, first, last
    private final List<List<Long>> offsets = new ArrayList<>();
    private final boolean keepOffsets;

    State(boolean keepOffsets) {
      this.keepOffsets = keepOffsets;
    }

    synchronized void sent() {
      sent++;
    }

    synchronized void completed(long index, int partition, long offset, Exception e) {
      if (e != null) {
        errorCount++;
        if (errors.size() < 10) errors.add(Cli.describe(e));
        return;
      }
      acked++;
      long[] p = partitions.computeIfAbsent(partition, k -> new long[] {0, Long.MAX_VALUE, -1});
      p[0]++;
      p[1] = Math.min(p[1], offset);
      p[2] = Math.max(p[2], offset);
      if (keepOffsets) offsets.add(List.of(index, (long) partition, offset));
    }

    synchronized void failedToSend(Exception e) {
      errorCount++;
      if (errors.size() < 10) errors.add(Cli.describe(e));
    }

    synchronized boolean ok(long count) {
      return errorCount == 0 && acked == count;
    }

    synchronized Map<String, Object> report(long started) {
      Map<String, Object> r = Cli.result("Produce");
      r.put("sent", sent);
      r.put("acked", acked);
      r.put("error_count", errorCount);
      r.put("errors", new ArrayList<>(errors));
      Map<String, Object> parts = new LinkedHashMap<>();
      partitions.forEach((p, v) -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", v[0]);
        m.put("first_offset", v[1]);
        m.put("last_offset", v[2]);
        parts.put(String.valueOf(p), m);
      });
      r.put("partitions", parts);
      if (keepOffsets) r.put("offsets", new ArrayList<>(offsets));
      r.put("elapsed_ms", (System.nanoTime() - started) / 1_000_000);
      return r;
    }
  }
}
