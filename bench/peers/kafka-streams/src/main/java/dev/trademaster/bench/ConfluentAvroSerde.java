package dev.trademaster.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro binary) without
 * Confluent's serializer, which is not on Maven Central. A record is read with its writer schema,
 * fetched once per id from {@code <registry>/schemas/ids/<id>}, and written back under the same id:
 * the benchmark's transform keeps the schema, so no registration is needed on the way out.
 */
final class ConfluentAvroSerde implements Serde<GenericRecord> {
  private static final byte MAGIC = 0;
  private final String registry;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
  private final Map<Schema, Integer> ids = Collections.synchronizedMap(new IdentityHashMap<>());
  private final Map<Schema, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();
  private final Map<Schema, GenericDatumWriter<GenericRecord>> writers = new ConcurrentHashMap<>();
  // Stream threads share one serde: reusable decoder/encoder buffers are per thread.
  private final ThreadLocal<BinaryDecoder> decoder = new ThreadLocal<>();
  private final ThreadLocal<BinaryEncoder> encoder = new ThreadLocal<>();
  private final ThreadLocal<ByteArrayOutputStream> buffer =
      ThreadLocal.withInitial(() -> new ByteArrayOutputStream(512));

  ConfluentAvroSerde(String registryUrl) {
    this.registry = registryUrl.endsWith("/") ? registryUrl.substring(0, registryUrl.length() - 1) : registryUrl;
  }

  private Schema schemaById(int id) {
    return schemas.computeIfAbsent(id, key -> {
      HttpRequest request = HttpRequest.newBuilder(URI.create(registry + "/schemas/ids/" + key))
          .timeout(Duration.ofSeconds(10)).GET().build();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200)
          throw new SerializationException("registry answered " + response.statusCode() + " for schema id " + key);
        Schema schema = new Schema.Parser().parse(json.readTree(response.body()).get("schema").asText());
        ids.put(schema, key);
        return schema;
      } catch (IOException e) {
        throw new SerializationException("could not fetch schema id " + key, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SerializationException("interrupted fetching schema id " + key, e);
      }
    });
  }

  @Override
  public Deserializer<GenericRecord> deserializer() {
    return (topic, data) -> {
      if (data == null) return null;
      ByteBuffer bytes = ByteBuffer.wrap(data);
      if (data.length < 5 || bytes.get() != MAGIC)
        throw new SerializationException("not Confluent-framed Avro on " + topic);
      Schema schema = schemaById(bytes.getInt());
      BinaryDecoder d = DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, decoder.get());
      decoder.set(d);
      try {
        return readers.computeIfAbsent(schema, GenericDatumReader::new).read(null, d);
      } catch (IOException e) {
        throw new SerializationException("bad Avro on " + topic, e);
      }
    };
  }

  @Override
  public Serializer<GenericRecord> serializer() {
    return (topic, record) -> {
      if (record == null) return null;
      Schema schema = record.getSchema();
      Integer id = ids.get(schema);
      if (id == null) throw new SerializationException("no schema id known for " + schema.getFullName());
      ByteArrayOutputStream out = buffer.get();
      out.reset();
      out.write(MAGIC);
      out.write(id >>> 24);
      out.write(id >>> 16);
      out.write(id >>> 8);
      out.write(id);
      BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, encoder.get());
      encoder.set(e);
      try {
        writers.computeIfAbsent(schema, GenericDatumWriter::new).write(record, e);
        e.flush();
      } catch (IOException ex) {
        throw new SerializationException("could not encode on " + topic, ex);
      }
      return out.toByteArray();
    };
  }
}
