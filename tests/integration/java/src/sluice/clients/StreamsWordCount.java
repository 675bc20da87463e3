package sluice.clients;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Kafka Streams word count: lines from {@code --input} split into lower-case words, counted per
 * word, each count written to {@code --output} (key: the word, value: the count as an 8-byte
 * big-endian long, Serdes.Long()).
 *
 * <pre>
 * StreamsWordCount --bootstrap=H:P --input=T --output=T --application-id=A
 *                  [--expect-records=N] [--expect-words=W] [--stop-file=PATH] [--state-dir=DIR]
 *                  [--timeout-ms=180000]
 *                  [streams property=value ...]        e.g. processing.guarantee=exactly_once_v2
 * </pre>
 *
 * Runs until it has taken N input lines and W words reached the counting step (words are
 * repartitioned by word first, so the lines alone do not say the counts are done), then closes,
 * which commits the last counts. Prints {"records", "words", "state", "error"}; exits 0 when both
 * numbers were reached and Streams stopped cleanly, 2 on a Streams error, 3 on the deadline.
 * Internal topics get replication.factor=1 unless given.
 */
public final class StreamsWordCount {
  public static void main(String[] args) throws Exception {
    Cli cli = Cli.parse("StreamsWordCount", args);
    String input = cli.get("input");
    String output = cli.get("output");
    long expectRecords = cli.getLong("expect-records", 0);
    long expectWords = cli.getLong("expect-words", 0);
    long timeoutMs = cli.getLong("timeout-ms", 180_000);
    // With --stop-file the application runs until that file exists (the test decides when the
    // output is complete), whatever the counters say: after a crash they count records twice.
    java.nio.file.Path stopFile = cli.has("stop-file") ? java.nio.file.Path.of(cli.get("stop-file")) : null;

    Properties props = cli.all();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, cli.get("application-id"));
    props.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
    if (cli.has("state-dir")) props.put(StreamsConfig.STATE_DIR_CONFIG, cli.get("state-dir"));
    if (!props.containsKey(StreamsConfig.STATE_DIR_CONFIG)) {
      props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("sluice-streams").toString());
    }
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
    props.putIfAbsent("consumer.auto.offset.reset", "earliest");

    AtomicLong records = new AtomicLong();
    AtomicLong words = new AtomicLong();
    AtomicReference<String> error = new AtomicReference<>();
    AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.CREATED);

    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, String> lines = builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()));
    lines.peek((k, v) -> records.incrementAndGet())
        .flatMapValues(v -> Arrays.asList(v.toLowerCase(Locale.ROOT).split("\\W+")))
        .filter((k, w) -> !w.isEmpty())
        .selectKey((k, w) -> w)
        .repartition(Repartitioned.with(Serdes.String(), Serdes.String()).withName("words"))
        .peek((k, w) -> words.incrementAndGet())
        .groupByKey()
        .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts"))
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));

    Map<String, Object> base = Cli.result("StreamsWordCount");
    java.util.function.Supplier<Map<String, Object>> report = () -> {
      Map<String, Object> r = new java.util.LinkedHashMap<>(base);
      r.put("processing_guarantee", props.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "at_least_once"));
      r.put("records", records.get());
      r.put("words", words.get());
      r.put("state", String.valueOf(state.get()));
      r.put("error", error.get());
      return r;
    };
    Cli.deadline(timeoutMs + 45_000, report);

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    streams.setStateListener((now, before) -> state.set(now));
    streams.setUncaughtExceptionHandler(e -> {
      error.compareAndSet(null, Cli.describe(e));
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    long deadline = System.currentTimeMillis() + timeoutMs;
    boolean reached = false;
    while (System.currentTimeMillis() < deadline) {
      if (stopFile != null ? Files.exists(stopFile)
                           : records.get() >= expectRecords && words.get() >= expectWords) {
        reached = true;
        break;
      }
      KafkaStreams.State s = streams.state();
      if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR
          || s == KafkaStreams.State.NOT_RUNNING || s == KafkaStreams.State.PENDING_SHUTDOWN) break;
      Thread.sleep(50);
    }
    boolean closed = streams.close(Duration.ofSeconds(30));
    state.set(streams.state()); // the listener may not have heard of the last change yet
    Map<String, Object> r = report.get();
    r.put("closed", closed);
    r.put("timed_out", !reached && error.get() == null);
    Cli.finish(r, reached && closed && error.get() == null ? 0 : (error.get() != null ? 2 : 3));
  }
}
