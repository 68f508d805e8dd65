import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.SchemaStore;

/**
 * A consumer nobody on the project wrote the decoding of: Apache Avro Java's own
 * BinaryMessageDecoder with a SchemaStore holding every schemas-topic schema, and
 * GenericData with Avro's standard logical-type conversions (as a downstream team would
 * configure it). Reads JSON lines on stdin, writes one JSON line per message.
 *
 *   {"schema": "<schema JSON>"}                                          (in schemas-topic order)
 *   {"id": "...", "key": b64|null, "value": b64|null, "keyReader": i|null, "valueReader": i|null}
 *
 * keyReader/valueReader: the index of the schema line to use as BinaryMessageDecoder's read
 * schema (the writer's own schema, see docs/schema-fingerprints.md). Output per message:
 * {"id", "key", "value"} with an "keyError"/"valueError" text instead where decoding threw.
 * Values as exact JSON: int as number, long as decimal text, float/double as the exact
 * decimal expansion, bytes/fixed as hex, decimal as plain text, dates/times as ISO text.
 *
 * Usage: java -cp <avro jars>:<classes> StandardDecode --framing single-object
 *        java -cp <avro jars>:<classes> StandardDecode --framing confluent --registry <url>
 *
 * With --framing confluent (the Confluent wire format: 00, 4-byte schema id big-endian,
 * Avro body) no schema lines are needed: each id's schema is fetched once from the
 * registry's Confluent API (GET <url>/schemas/ids/{id}, java.net.http) and the body is
 * decoded with a GenericDatumReader, that schema as writer and reader; *Reader fields are
 * ignored. Each id's schema is parsed on its own, since a registry's versions of a subject
 * share record names.
 */
public final class StandardDecode {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS");
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");

  public static void main(String[] args) throws Exception {
    String framing = args.length >= 2 && args[0].equals("--framing") ? args[1] : null;
    String registry = args.length == 4 && args[2].equals("--registry") ? args[3].replaceAll("/+$", "") : null;
    boolean confluent = "confluent".equals(framing) && registry != null;
    if (!(("single-object".equals(framing) && args.length == 2) || confluent)) {
      System.err.println("usage: StandardDecode --framing single-object | --framing confluent --registry <url>");
      System.exit(2);
    }
    GenericData model = new GenericData();
    model.addLogicalTypeConversion(new Conversions.DecimalConversion());
    model.addLogicalTypeConversion(new TimeConversions.DateConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
    model.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
    model.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());

    ObjectMapper mapper = new ObjectMapper();
    SchemaStore.Cache store = new SchemaStore.Cache();
    List<Schema> schemas = new ArrayList<>();
    Map<Integer, BinaryMessageDecoder<GenericRecord>> decoders = new HashMap<>();
    Map<Integer, GenericDatumReader<GenericRecord>> byId = new HashMap<>();
    HttpClient http = HttpClient.newHttpClient();
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      JsonNode input = mapper.readTree(line);
      if (input.has("schema")) {
        Schema schema = new Schema.Parser().parse(input.get("schema").asText());
        schemas.add(schema);
        store.addSchema(schema);
        continue;
      }
      ObjectNode result = JSON.objectNode();
      result.set("id", input.get("id"));
      for (String part : new String[] {"key", "value"}) {
        JsonNode bytes = input.get(part);
        JsonNode reader = input.get(part + "Reader");
        if (bytes == null || bytes.isNull()) {
          result.putNull(part);
          continue;
        }
        try {
          byte[] frame = Base64.getDecoder().decode(bytes.asText());
          GenericRecord record;
          if (confluent) {
            if (frame.length < 5 || frame[0] != 0) throw new IllegalArgumentException("not a Confluent frame");
            int id = ByteBuffer.wrap(frame, 1, 4).getInt();
            GenericDatumReader<GenericRecord> datumReader = byId.get(id);
            if (datumReader == null) {
              Schema schema = fetchSchema(http, mapper, registry, id);
              datumReader = new GenericDatumReader<>(schema, schema, model);
              byId.put(id, datumReader);
            }
            record = datumReader.read(null, DecoderFactory.get().binaryDecoder(frame, 5, frame.length - 5, null));
          } else {
            int index = reader.asInt();
            BinaryMessageDecoder<GenericRecord> decoder = decoders.computeIfAbsent(
                index, i -> new BinaryMessageDecoder<>(model, schemas.get(i), store));
            record = decoder.decode(frame);
          }
          result.set(part, toJson(model, record, record.getSchema()));
        } catch (Exception e) {
          result.putNull(part);
          result.put(part + "Error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
      out.println(mapper.writeValueAsString(result));
    }
    out.flush();
  }

  private static Schema fetchSchema(HttpClient http, ObjectMapper mapper, String registry, int id) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(registry + "/schemas/ids/" + id))
        .header("Accept", "application/vnd.schemaregistry.v1+json, application/json")
        .GET()
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IllegalStateException("registry: schema id " + id + ": HTTP " + response.statusCode() + " " + response.body());
    return new Schema.Parser().parse(mapper.readTree(response.body()).get("schema").asText());
  }

  private static JsonNode toJson(GenericData model, Object datum, Schema schema) {
    if (datum == null) return JSON.nullNode();
    switch (schema.getType()) {
      case UNION:
        return toJson(model, datum, schema.getTypes().get(model.resolveUnion(schema, datum)));
      case RECORD: {
        GenericRecord record = (GenericRecord) datum;
        ObjectNode node = JSON.objectNode();
        for (Schema.Field field : schema.getFields()) node.set(field.name(), toJson(model, record.get(field.pos()), field.schema()));
        return node;
      }
      case ARRAY: {
        ArrayNode node = JSON.arrayNode();
        for (Object item : (List<?>) datum) node.add(toJson(model, item, schema.getElementType()));
        return node;
      }
      case MAP: {
        ObjectNode node = JSON.objectNode();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) datum).entrySet()) node.set(e.getKey().toString(), toJson(model, e.getValue(), schema.getValueType()));
        return node;
      }
      default:
        return scalar(datum);
    }
  }

  private static JsonNode scalar(Object datum) {
    if (datum instanceof BigDecimal d) return JSON.textNode(d.toPlainString());
    if (datum instanceof LocalDate d) return JSON.textNode(d.toString());
    if (datum instanceof LocalTime t) return JSON.textNode(TIME.format(t));
    if (datum instanceof Instant i) return JSON.textNode(DATE_TIME.format(LocalDateTime.ofInstant(i, ZoneOffset.UTC)) + "Z");
    if (datum instanceof LocalDateTime t) return JSON.textNode(DATE_TIME.format(t));
    if (datum instanceof Integer n) return JSON.numberNode(n);
    if (datum instanceof Long n) return JSON.textNode(n.toString());
    if (datum instanceof Float f) return JSON.textNode(new BigDecimal((double) f).toPlainString());
    if (datum instanceof Double d) return JSON.textNode(new BigDecimal(d).toPlainString());
    if (datum instanceof Boolean b) return JSON.booleanNode(b);
    if (datum instanceof ByteBuffer b) {
      byte[] copy = new byte[b.remaining()];
      b.duplicate().get(copy);
      return JSON.textNode(HexFormat.of().formatHex(copy));
    }
    if (datum instanceof GenericFixed f) return JSON.textNode(HexFormat.of().formatHex(f.bytes()));
    return JSON.textNode(datum.toString()); // strings (Utf8) and enum symbols
  }
}
