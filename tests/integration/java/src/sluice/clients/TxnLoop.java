package sluice.clients;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A transactional producer committing and aborting transactions in turn until {@code --count}
 * records are committed: what an aborted transaction carried is sent again in the next one, so a
 * read_committed reader of the output sees each record exactly once and a read_uncommitted one
 * sees the aborted copies too.
 *
 * <pre>
 * TxnLoop --bootstrap=H:P --output=T --transactional-id=ID --count=N [--batch=10]
 *         [--abort-every=2] [--first=0] [--timeout-ms=120000]
 *         [--input=T --group=G]                 consume-transform-produce instead of generating
 *         [property=value | producer.property=value | consumer.property=value ...]
 * </pre>
 *
 * Without --input it generates Produce's records (key k-i, value v-i, i from --first). With
 * --input it reads T as a member of G (read_committed, no auto commit), sends each record's key
 * and value unchanged to --output, and commits the consumed offsets inside each transaction with
 * sendOffsetsToTransaction; after an abort it seeks back to the first offset not committed. Every
 * --abort-every'th transaction is aborted (0: none). Prints {"transactions", "committed",
 * "aborted", "records_committed", "records_aborted", "error"}; exits 0 once N records are
 * committed, 2 on an error, 3 on the deadline.
 */
public final class TxnLoop {
  private static long transactions, committed, aborted, recordsCommitted, recordsAborted;
  private static String error;

  private static synchronized Map<String, Object> report() {
    Map<String, Object> r = Cli.result("TxnLoop");
    r.put("transactions", transactions);
    r.put("committed", committed);
    r.put("aborted", aborted);
    r.put("records_committed", recordsCommitted);
    r.put("records_aborted", recordsAborted);
    r.put("error", error);
    return r;
  }

  public static void main(String[] args) throws Exception {
    Cli cli = Cli.parse("TxnLoop", args);
    String output = cli.get("output");
    long count = cli.getLong("count");
    long batch = cli.getLong("batch", 10);
    long abortEvery = cli.getLong("abort-every", 2);
    long first = cli.getLong("first", 0);
    String input = cli.get("input", null);
    if (abortEvery == 1) {
      System.err.println("TxnLoop: --abort-every=1 would abort every transaction; use 0 (none) or 2 and up");
      System.exit(64);
    }
    Cli.deadline(cli.getLong("timeout-ms", 120_000), TxnLoop::report);

    Properties pp = cli.forRole("producer", "consumer");
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    pp.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "sluice-java-txnloop");
    pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, cli.get("transactional-id"));
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());

    int code = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
      producer.initTransactions();
      if (input == null) generate(producer, output, first, count, batch, abortEvery);
      else transform(cli, producer, input, output, count, batch, abortEvery);
      producer.close(Duration.ofSeconds(30));
    } catch (Exception e) {
      synchronized (TxnLoop.class) {
        error = Cli.describe(e);
      }
      code = 2;
    }
    Cli.finish(report(), code);
  }

  private static boolean abortThis(long abortEvery) {
    synchronized (TxnLoop.class) {
      transactions++;
      return abortEvery > 0 && transactions % abortEvery == 0;
    }
  }

  private static synchronized void ended(boolean abort, long records) {
    if (abort) {
      aborted++;
      recordsAborted += records;
    } else {
      committed++;
      recordsCommitted += records;
    }
  }

  private static void generate(KafkaProducer<String, String> producer, String output, long first, long count,
                               long batch, long abortEvery) {
    long next = first;
    while (next < first + count) {
      long end = Math.min(next + batch, first + count);
      boolean abort = abortThis(abortEvery);
      producer.beginTransaction();
      for (long i = next; i < end; i++) producer.send(new ProducerRecord<>(output, "k-" + i, "v-" + i));
      if (abort) {
        producer.flush();  // in the log first: the broker, not the client, must hide them
        producer.abortTransaction();
      } else {
        producer.commitTransaction();
      }
      ended(abort, end - next);
      // An aborted transaction's records go again in the next one.
      if (!abort) next = end;
    }
  }

  private static void transform(Cli cli, KafkaProducer<String, String> producer, String input, String output,
                                long count, long batch, long abortEvery) {
    Properties cp = cli.forRole("consumer", "producer");
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cli.get("bootstrap"));
    cp.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-java-txnloop-consumer");
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, cli.get("group"));
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());

    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
      consumer.subscribe(List.of(input));
      ArrayDeque<ConsumerRecord<String, String>> buffered = new ArrayDeque<>();
      long done = 0;
      while (done < count) {
        if (buffered.size() < batch) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) buffered.add(r);
        }
        if (buffered.isEmpty()) continue;
        List<ConsumerRecord<String, String>> txn = new ArrayList<>();
        while (txn.size() < batch && !buffered.isEmpty() && done + txn.size() < count) txn.add(buffered.poll());
        if (txn.isEmpty()) break;

        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<String, String> r : txn) {
          offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        boolean abort = abortThis(abortEvery);
        producer.beginTransaction();
        for (ConsumerRecord<String, String> r : txn) producer.send(new ProducerRecord<>(output, r.key(), r.value()));
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        if (abort) {
          producer.flush();  // in the log first: the broker, not the client, must hide them
          producer.abortTransaction();
          // Everything from the aborted transaction's first record on is to be read again.
          Map<TopicPartition, Long> rewind = new HashMap<>();
          List<ConsumerRecord<String, String>> unsent = new ArrayList<>(txn);
          unsent.addAll(buffered);
          for (ConsumerRecord<String, String> r : unsent) {
            rewind.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
          }
          buffered.clear();
          rewind.forEach(consumer::seek);
        } else {
          producer.commitTransaction();
          done += txn.size();
        }
        ended(abort, txn.size());
      }
    }
  }
}
