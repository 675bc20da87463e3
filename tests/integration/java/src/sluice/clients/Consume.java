package sluice.clients;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic until {@code --count} records (then {@code --drain-ms} more, to catch extra copies)
 * or the deadline, and checks the records against Produce's pattern: value {@code <prefix>i} for i
 * in {@code first..first+range-1}, key {@code k-i}.
 *
 * <pre>
 * Consume --bootstrap=H:P --topic=T --count=N [--first=0] [--range=N] [--value-prefix=v-]
 *         [--drain-ms=1000] [--values] [--last-by-key] [--value-format=string|long]
 *         [--timeout-ms=60000] [consumer property=value ...]
 * </pre>
 *
 * With group.id=G among the properties it subscribes as a member of G; without, it assigns itself
 * every partition of T from the beginning. isolation.level and any other consumer property pass
 * through. Prints {"count", "unique", "duplicates", "missing_count", "missing" (first 20),
 * "unexpected" (first 10 values outside the pattern), "key_mismatches", "partitions" {p: count},
 * "digest" (sha256 over partition:offset:value of the distinct records, in offset order),
 * "timed_out", and "values" (--values) or "last_by_key" (--last-by-key)}. Exits 0 whenever it could
 * read: the caller judges the counts.
 */
public final class Consume {
  public static void main(String[] args) throws Exception {
    Cli cli = Cli.parse("Consume", args);
    String topic = cli.get("topic");
    long count = cli.getLong("count");
    long first = cli.getLong("first", 0);
    long range = cli.getLong("range", count);
    String prefix = cli.get("value-prefix", "v-");
    long drainMs = cli.getLong("drain-ms", 1000);
    long timeoutMs = cli.getLong("timeout-ms", 60_000);
    boolean longValues = cli.get("value-format", "string").equals("long");

    Properties props = cli.all();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-java-consume");
    props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    boolean grouped = props.containsKey(ConsumerConfig.GROUP_ID_CONFIG);

    Tally tally = new Tally(first, range, prefix, cli.flag("values"), cli.flag("last-by-key"), longValues);
    // The deadline is a backstop past our own timeout: the loop below normally ends first.
    Cli.deadline(timeoutMs + 30_000, tally::report);

    long deadline = System.currentTimeMillis() + timeoutMs;
    boolean timedOut = false;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      if (grouped) {
        consumer.subscribe(List.of(topic));
      } else {
        List<TopicPartition> tps = new ArrayList<>();
        List<PartitionInfo> infos = null;
        while (infos == null || infos.isEmpty()) {
          infos = consumer.partitionsFor(topic, Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
          if (infos == null || infos.isEmpty()) {
            if (System.currentTimeMillis() >= deadline) {
              throw new IllegalStateException("topic " + topic + " has no partitions");
            }
            Thread.sleep(100);
          }
        }
        for (PartitionInfo pi : infos) tps.add(new TopicPartition(topic, pi.partition()));
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
      }
      long drainUntil = Long.MAX_VALUE;
      while (true) {
        long now = System.currentTimeMillis();
        if (now >= drainUntil) break;
        if (now >= deadline) {
          timedOut = tally.count() < count;
          break;
        }
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200))) tally.add(rec);
        if (drainUntil == Long.MAX_VALUE && tally.count() >= count) drainUntil = System.currentTimeMillis() + drainMs;
      }
    }
    Map<String, Object> r = tally.report();
    r.put("timed_out", timedOut);
    Cli.finish(r, 0);
  }

  private static final class Tally {
    private final long first;
    private final long range;
    private final String prefix;
    private final boolean keepValues;
    private final boolean keepLastByKey;
    private final boolean longValues;
    private long count;
    private long duplicates;
    private long keyMismatches;
    private final BitSet seen = new BitSet();
    private final List<String> unexpected = new ArrayList<>();
    private long unexpectedCount;
    private final Map<Integer, Long> partitions = new TreeMap<>();
    private final Map<Integer, TreeMap<Long, String>> byOffset = new TreeMap<>();
    private final List<Object> values = new ArrayList<>();
    private final Map<String, Object> lastByKey = new TreeMap<>();

    Tally(long first, long range, String prefix, boolean keepValues, boolean keepLastByKey, boolean longValues) {
      this.first = first;
      this.range = range;
      this.prefix = prefix;
      this.keepValues = keepValues;
      this.keepLastByKey = keepLastByKey;
      this.longValues = longValues;
    }

    synchronized long count() {
      return count;
    }

    synchronized void add(ConsumerRecord<byte[], byte[]> rec) {
      count++;
      partitions.merge(rec.partition(), 1L, Long::sum);
      String key = rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8);
      Object value;
      if (rec.value() == null) value = null;
      else if (longValues && rec.value().length == 8) value = ByteBuffer.wrap(rec.value()).getLong();
      else value = new String(rec.value(), StandardCharsets.UTF_8);
      String text = String.valueOf(value);
      byOffset.computeIfAbsent(rec.partition(), p -> new TreeMap<>()).put(rec.offset(), text);
      if (keepValues) values.add(value);
      if (keepLastByKey) lastByKey.put(String.valueOf(key), value);
      if (longValues) return;

      long index = -1;
      if (value != null && text.startsWith(prefix)) {
        int end = prefix.length();
        while (end < text.length() && Character.isDigit(text.charAt(end))) end++;
        try {
          index = Long.parseLong(text.substring(prefix.length(), end));
        } catch (NumberFormatException e) {
          index = -1;
        }
      }
      if (index < first || index >= first + range) {
        unexpectedCount++;
        if (unexpected.size() < 10) unexpected.add(text);
        return;
      }
      int bit = (int) (index - first);
      if (seen.get(bit)) duplicates++;
      seen.set(bit);
      if (key != null && !key.equals("k-" + index)) keyMismatches++;
    }

    synchronized Map<String, Object> report() {
      Map<String, Object> r = Cli.result("Consume");
      r.put("count", count);
      r.put("unique", (long) seen.cardinality());
      r.put("duplicates", duplicates);
      long missingCount = longValues ? 0 : range - seen.cardinality();
      r.put("missing_count", missingCount);
      List<Long> missing = new ArrayList<>();
      if (!longValues) {
        for (int b = seen.nextClearBit(0); b < range && missing.size() < 20; b = seen.nextClearBit(b + 1)) {
          missing.add(first + b);
        }
      }
      r.put("missing", missing);
      r.put("unexpected_count", unexpectedCount);
      r.put("unexpected", unexpected);
      r.put("key_mismatches", keyMismatches);
      Map<String, Object> parts = new LinkedHashMap<>();
      partitions.forEach((p, c) -> parts.put(String.valueOf(p), c));
      r.put("partitions", parts);
      r.put("digest", digest());
      if (keepValues) r.put("values", values);
      if (keepLastByKey) r.put("last_by_key", lastByKey);
      return r;
    }

    private String digest() {
      try {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byOffset.forEach((p, offsets) -> offsets.forEach((o, v) ->
            md.update((p + ":" + o + ":" + v + "\n").getBytes(StandardCharsets.UTF_8))));
        return HexFormat.of().formatHex(md.digest());
      } catch (Exception e) {
        return "error: " + e;
      }
    }
  }
}
