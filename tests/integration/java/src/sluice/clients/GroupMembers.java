package sluice.clients;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Two members of one consumer group in one JVM, each polling on its own thread: they must split the
 * topic's partitions, read each record once between them, and when one leaves the other must take
 * every partition over and read what comes next.
 *
 * <pre>
 * GroupMembers --bootstrap=H:P --topic=T --group=G --partitions=N [--count=2000]
 *              [--timeout-ms=60000] [--staggered] [consumer property=value ...]
 * </pre>
 *
 * Properties reach both members (e.g. group.protocol=consumer), or one with an {@code a.} or
 * {@code b.} prefix: {@code a.group.protocol=classic b.group.protocol=consumer} makes a mixed group.
 * With --staggered, b starts only once a owns every partition (so a's group exists first).
 *
 * Prints {"a_alone" (with --staggered: a owned every partition before b started), "split", "assigned_a", "assigned_b", "values" (sorted ids read while both were members),
 * "taken_over", "after_leave" (sorted ids read by the remaining member), "errors"}.
 */
public final class GroupMembers {
  private static final class Member implements Runnable {
    final String name;
    final KafkaConsumer<String, String> consumer;
    final Set<Integer> assigned = ConcurrentHashMap.newKeySet();
    final List<Long> values = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean stop = new AtomicBoolean();
    final List<String> errors;

    Member(String name, Properties props, String topic, List<String> errors) {
      this.name = name;
      this.errors = errors;
      Properties p = new Properties();
      p.putAll(props);
      p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-java-member-" + name);
      consumer = new KafkaConsumer<>(p);
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
          for (TopicPartition tp : parts) assigned.remove(tp.partition());
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
          for (TopicPartition tp : parts) assigned.add(tp.partition());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
          onPartitionsRevoked(parts);
        }
      });
    }

    @Override
    public void run() {
      try {
        while (!stop.get()) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
            values.add(Long.parseLong(r.value().substring(2)));
          }
        }
      } catch (RuntimeException e) {
        errors.add(name + ": " + Cli.describe(e));
      } finally {
        consumer.close();  // commits (auto-commit) and leaves the group
      }
    }
  }

  static boolean waitFor(BooleanSupplier condition, long deadline) throws InterruptedException {
    while (System.currentTimeMillis() < deadline) {
      if (condition.getAsBoolean()) return true;
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }

  static void produce(String bootstrap, String topic, long first, long count) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (long i = first; i < first + count; ++i) {
        producer.send(new ProducerRecord<>(topic, "k-" + i, "v-" + i));
      }
      producer.flush();
    }
  }

  public static void main(String[] args) throws Exception {
    Cli cli = Cli.parse("GroupMembers", args);
    String bootstrap = cli.get("bootstrap");
    String topic = cli.get("topic");
    int partitions = (int) cli.getLong("partitions");
    long count = cli.getLong("count", 2000);
    long timeoutMs = cli.getLong("timeout-ms", 60_000);
    boolean staggered = cli.has("staggered");
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, cli.get("group"));
    props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());

    Map<String, Object> r = Cli.result("GroupMembers");
    List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    r.put("errors", errors);
    Cli.deadline(4 * timeoutMs, () -> r);

    Properties propsA = cli.forRole("a", "b");
    propsA.putAll(props);
    Properties propsB = cli.forRole("b", "a");
    propsB.putAll(props);
    Set<Integer> all = new TreeSet<>();
    for (int p = 0; p < partitions; ++p) all.add(p);
    Member a = new Member("a", propsA, topic, errors);
    Thread ta = new Thread(a, "member-a");
    ta.start();
    if (staggered) {
      r.put("a_alone", waitFor(() -> a.assigned.equals(all), System.currentTimeMillis() + timeoutMs));
    }
    Member b = new Member("b", propsB, topic, errors);
    Thread tb = new Thread(b, "member-b");
    tb.start();
    boolean split = waitFor(() -> {
      Set<Integer> union = new TreeSet<>(a.assigned);
      union.addAll(b.assigned);
      Set<Integer> both = new TreeSet<>(a.assigned);
      both.retainAll(b.assigned);
      return !a.assigned.isEmpty() && !b.assigned.isEmpty() && union.equals(all) && both.isEmpty();
    }, System.currentTimeMillis() + timeoutMs);
    r.put("split", split);
    r.put("assigned_a", new TreeSet<>(a.assigned));
    r.put("assigned_b", new TreeSet<>(b.assigned));

    produce(bootstrap, topic, 0, count);
    waitFor(() -> a.values.size() + b.values.size() >= count, System.currentTimeMillis() + timeoutMs);
    List<Long> values = new ArrayList<>(a.values);
    values.addAll(b.values);
    values.sort(null);
    r.put("values", values);

    b.stop.set(true);
    tb.join(timeoutMs);
    boolean takenOver =
        waitFor(() -> a.assigned.equals(all), System.currentTimeMillis() + timeoutMs);
    r.put("taken_over", takenOver);
    int before = a.values.size();
    produce(bootstrap, topic, count, 500);
    waitFor(() -> a.values.size() - before >= 500, System.currentTimeMillis() + timeoutMs);
    List<Long> after;
    synchronized (a.values) {
      after = new ArrayList<>(a.values.subList(before, a.values.size()));
    }
    after.sort(null);
    r.put("after_leave", after);
    a.stop.set(true);
    ta.join(timeoutMs);
    Cli.finish(r, 0);
  }
}
