package dev.trademaster.bench;

import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The benchmark topology on Kafka Streams, the peer TradeMaster's runtime is compared with. Per input
 * family topic: market data is routed by event type (prices vs book), VOLUME_UPDATE is filtered out
 * of the book branch, other families pass a filter on the event id, and every surviving event is
 * transformed (header.source = "tmbus-bench") and written to the family's output topic. Record
 * timestamps and headers are propagated, as Kafka Streams does, so an external probe measures it
 * the same way as the Node runtime.
 *
 * <p>Arguments: {@code --bootstrap H:P --registry URL --application-id ID --guarantee
 * at_least_once|exactly_once_v2 --pair FAMILY=IN:OUT ...}; optional {@code --threads N} (default 1:
 * the Node runtime is one event loop) and {@code --commit-interval-ms MS} (default 100, as the runtime).
 * Prints {@code READY} once the application is RUNNING; closes cleanly on SIGTERM.
 */
public final class StreamsPeer {
  private StreamsPeer() {}

  record Pair(String family, String input, String output) {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> env = System.getenv();
    String bootstrap = env.getOrDefault("TMBUS_KAFKA_BROKERS", "127.0.0.1:19092");
    String registry = env.getOrDefault("TMBUS_REGISTRY_URL", "http://127.0.0.1:18081/apis/ccompat/v7");
    String applicationId = null;
    String guarantee = "at_least_once";
    String threads = "1";
    String commitInterval = "100";
    List<Pair> pairs = new ArrayList<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      String value = argv[i + 1];
      switch (argv[i]) {
        case "--bootstrap" -> bootstrap = value;
        case "--registry" -> registry = value;
        case "--application-id" -> applicationId = value;
        case "--guarantee" -> guarantee = value;
        case "--threads" -> threads = value;
        case "--commit-interval-ms" -> commitInterval = value;
        case "--pair" -> {
          String[] familyTopics = value.split("=", 2);
          String[] topics = familyTopics[1].split(":", 2);
          pairs.add(new Pair(familyTopics[0], topics[0], topics[1]));
        }
        default -> throw new IllegalArgumentException("unknown argument " + argv[i]);
      }
    }
    if (applicationId == null || pairs.isEmpty())
      throw new IllegalArgumentException("--application-id and at least one --pair are required");
    if (!guarantee.equals("at_least_once") && !guarantee.equals("exactly_once_v2"))
      throw new IllegalArgumentException("--guarantee must be at_least_once or exactly_once_v2");

    Path stateDir = Files.createTempDirectory("tmbus-streams-peer");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    // The same client settings as the Node runtime's producer (linger 2 ms, lz4) instead of Kafka
    // Streams' 100 ms linger default, which would only measure the batching delay.
    props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "2");
    props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    KafkaStreams streams = new KafkaStreams(topology(pairs, new ConfluentAvroSerde(registry)), props);
    CountDownLatch closed = new CountDownLatch(1);
    streams.setStateListener((next, previous) -> {
      if (next == KafkaStreams.State.RUNNING) System.out.println("READY");
      if (next == KafkaStreams.State.ERROR) System.out.println("FAILED");
      System.out.flush();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // Leave the group (Kafka Streams stays a member until the session times out by default), so
      // the bench can delete the group right after.
      streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
          .withTimeout(Duration.ofSeconds(30)));
      streams.cleanUp();
      closed.countDown();
    }));
    streams.start();
    closed.await();
  }

  static Topology topology(List<Pair> pairs, Serde<GenericRecord> avro) {
    StreamsBuilder builder = new StreamsBuilder();
    Consumed<String, GenericRecord> consumed = Consumed.with(Serdes.String(), avro);
    Produced<String, GenericRecord> produced = Produced.with(Serdes.String(), avro);
    for (Pair pair : pairs) {
      KStream<String, GenericRecord> stream =
          builder.stream(pair.input(), consumed.withName("source-" + pair.family()));
      if (pair.family().equals("MarketDataEvent")) {
        Map<String, KStream<String, GenericRecord>> routes = stream
            .split(Named.as("route-md-"))
            .branch((key, e) -> {
              String type = eventType(e);
              return type.equals("PRICE_UPDATE") || type.equals("TRADE_EXECUTION");
            }, Branched.as("prices"))
            .defaultBranch(Branched.as("book"));
        routes.get("route-md-prices")
            .mapValues(StreamsPeer::stamp, Named.as("stamp-prices"))
            .to(pair.output(), produced);
        routes.get("route-md-book")
            .filter((key, e) -> !eventType(e).equals("VOLUME_UPDATE"), Named.as("drop-volume"))
            .mapValues(StreamsPeer::stamp, Named.as("stamp-book"))
            .to(pair.output(), produced);
      } else {
        stream
            .filter((key, e) -> header(e).get("eventId").toString().length() > 0,
                Named.as("filter-" + pair.family()))
            .mapValues(StreamsPeer::stamp, Named.as("stamp-" + pair.family()))
            .to(pair.output(), produced);
      }
    }
    return builder.build();
  }

  private static GenericRecord header(GenericRecord event) {
    return (GenericRecord) event.get("header");
  }

  private static String eventType(GenericRecord event) {
    return header(event).get("eventType").toString();
  }

  /** The transform: a copy of the event whose header says the pipeline stamped it. */
  static GenericRecord stamp(GenericRecord event) {
    GenericData.Record header = new GenericData.Record((GenericData.Record) header(event), false);
    header.put("source", "tmbus-bench");
    GenericData.Record copy = new GenericData.Record((GenericData.Record) event, false);
    copy.put("header", header);
    return copy;
  }
}
