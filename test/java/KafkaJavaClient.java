import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka's own Java client, for tests that need a reader and a writer other than kafkajs
 * (test/support/kafka-java-tools.ts runs it as a single-file program with the broker's jars).
 *
 *   consume BOOTSTRAP TOPIC            every record from the start to the end offsets (read_committed):
 *                                      "R partition offset keyHex|- valueHex|-" per record
 *   produce BOOTSTRAP TOPIC CODEC      stdin lines "keyHex|- valueHex|-", sent with compression.type
 *                                      CODEC in as few batches as fit: "R partition offset" per record
 */
public class KafkaJavaClient {
  private static final HexFormat HEX = HexFormat.of();

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "consume" -> consume(args[1], args[2]);
      case "produce" -> produce(args[1], args[2], args[3]);
      default -> throw new IllegalArgumentException("consume or produce, not " + args[0]);
    }
  }

  private static void consume(String bootstrap, String topic) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("isolation.level", "read_committed");
    props.put("enable.auto.commit", "false");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.currentTimeMillis() + 60_000;
      StringBuilder out = new StringBuilder();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out reading " + topic);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          out.append("R ").append(r.partition()).append(' ').append(r.offset()).append(' ')
              .append(hex(r.key())).append(' ').append(hex(r.value())).append('\n');
        }
      }
      System.out.print(out);
      System.out.flush();
    }
  }

  private static void produce(String bootstrap, String topic, String codec) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("compression.type", codec);
    props.put("acks", "all");
    props.put("linger.ms", "200");
    props.put("batch.size", "1000000");
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isEmpty()) continue;
        String[] parts = line.split(" ", -1);
        sent.add(producer.send(new ProducerRecord<>(topic, bytes(parts[0]), bytes(parts[1]))));
      }
      producer.flush();
      StringBuilder out = new StringBuilder();
      for (Future<RecordMetadata> f : sent) {
        RecordMetadata m = f.get();
        out.append("R ").append(m.partition()).append(' ').append(m.offset()).append('\n');
      }
      System.out.print(out);
      System.out.flush();
    }
  }

  private static String hex(byte[] b) {
    return b == null ? "-" : HEX.formatHex(b);
  }

  private static byte[] bytes(String hex) {
    return hex.equals("-") ? null : HEX.parseHex(hex);
  }
}
