package sluice.clients;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * What the test programs share: their command line, their one line of JSON on stdout, and the
 * deadline every run has.
 *
 * <p>Arguments come in three shapes: {@code --name=value} is an option of the program,
 * {@code --name} alone is a flag, and {@code key=value} is a Kafka client property passed through
 * unchanged (so a test can pass {@code enable.idempotence=false} today and nothing later). Kafka's
 * own logging goes to stderr (slf4j-simple); stdout carries exactly one JSON object, so the caller
 * parses the last line.
 */
final class Cli {
  private final Map<String, String> options = new LinkedHashMap<>();
  private final Properties properties = new Properties();
  private final String program;
  private static final AtomicBoolean printed = new AtomicBoolean();
  private static final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

  private Cli(String program, String[] args) {
    this.program = program;
    for (String a : args) {
      if (a.startsWith("--")) {
        int eq = a.indexOf('=');
        if (eq < 0) options.put(a.substring(2), "true");
        else options.put(a.substring(2, eq), a.substring(eq + 1));
      } else {
        int eq = a.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              program + ": argument '" + a + "' is neither --option[=value] nor key=value");
        }
        properties.setProperty(a.substring(0, eq), a.substring(eq + 1));
      }
    }
  }

  static Cli parse(String program, String[] args) {
    try {
      return new Cli(program, args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(64);
      return null;
    }
  }

  String get(String name) {
    String v = options.get(name);
    if (v == null) {
      System.err.println(program + ": --" + name + "=... is required");
      System.exit(64);
    }
    return v;
  }

  String get(String name, String otherwise) {
    return options.getOrDefault(name, otherwise);
  }

  long getLong(String name, long otherwise) {
    String v = options.get(name);
    return v == null ? otherwise : Long.parseLong(v);
  }

  long getLong(String name) {
    return Long.parseLong(get(name));
  }

  boolean flag(String name) {
    return Boolean.parseBoolean(options.getOrDefault(name, "false"));
  }

  boolean has(String name) {
    return options.containsKey(name);
  }

  /** Every key=value argument, as given. */
  Properties all() {
    Properties p = new Properties();
    p.putAll(properties);
    return p;
  }

  /**
   * The key=value arguments meant for one client of a program that has several: those without a
   * role prefix, plus those starting with {@code role + "."} with the prefix taken off (so
   * {@code producer.acks=all} reaches only the producer).
   */
  Properties forRole(String role, String... otherRoles) {
    Properties p = new Properties();
    outer:
    for (String k : properties.stringPropertyNames()) {
      for (String other : otherRoles) {
        if (k.startsWith(other + ".")) continue outer;
      }
      if (!k.startsWith(role + ".")) p.setProperty(k, properties.getProperty(k));
    }
    for (String k : properties.stringPropertyNames()) {
      if (k.startsWith(role + ".")) p.setProperty(k.substring(role.length() + 1), properties.getProperty(k));
    }
    return p;
  }

  /** The kafka-clients version on the classpath (read as AppInfoParser does, which 4.x moved). */
  static String kafkaVersion() {
    try (InputStream in = Cli.class.getClassLoader().getResourceAsStream("kafka/kafka-version.properties")) {
      Properties p = new Properties();
      if (in != null) p.load(in);
      return p.getProperty("version", "unknown");
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  /** A result map that already names the client. */
  static Map<String, Object> result(String program) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("client", "java");
    r.put("program", program);
    r.put("kafka_version", kafkaVersion());
    return r;
  }

  /**
   * Prints {@code partial.get()} with {@code "timed_out": true} and halts with exit code 3 if the
   * run is still going after {@code millis}: no test waits on a hung client.
   */
  static void deadline(long millis, Supplier<Map<String, Object>> partial) {
    Thread t = new Thread(() -> {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        return;
      }
      Map<String, Object> r;
      try {
        r = new LinkedHashMap<>(partial.get());
      } catch (RuntimeException e) {
        r = new LinkedHashMap<>();
        r.put("partial_error", String.valueOf(e));
      }
      r.put("timed_out", true);
      r.put("timeout_ms", millis);
      if (printed.compareAndSet(false, true)) {
        out.println(Json.of(r));
        out.flush();
      }
      Runtime.getRuntime().halt(3);
    }, "deadline");
    t.setDaemon(true);
    t.start();
  }

  /** Prints the result (once) and exits with {@code code}. */
  static void finish(Map<String, Object> result, int code) {
    if (printed.compareAndSet(false, true)) {
      out.println(Json.of(result));
      out.flush();
    }
    System.out.flush();
    // halt, not exit: a client thread that ignores interruption must not keep the JVM up.
    Runtime.getRuntime().halt(code);
  }

  /** The first {@code limit} items, for lists that could be long. */
  static <T> List<T> first(Collection<T> items, int limit) {
    List<T> l = new ArrayList<>();
    for (T t : items) {
      if (l.size() == limit) break;
      l.add(t);
    }
    return l;
  }

  /** An exception as one line: its class, message and the causes below it. */
  static String describe(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (b.length() > 0) b.append(" <- ");
      b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
      if (t.getCause() == t) break;
    }
    return b.toString();
  }
}
