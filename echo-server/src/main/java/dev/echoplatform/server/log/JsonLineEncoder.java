package dev.echoplatform.server.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * Encodes each log event as one JSON line: {@code timestamp} (ISO-8601 UTC), {@code level}, {@code
 * logger}, {@code message}, then the event's key-value pairs and MDC entries as top-level fields,
 * and {@code stack_trace} when there is a throwable. Uses jackson-core only (already on the class
 * path for request validation).
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

  private static final byte[] EMPTY = new byte[0];

  /**
   * Name/value pairs written on every line after the logger (SERVICE_NAME and ENVIRONMENT), empty
   * by default.
   */
  private static volatile String[] fields = new String[0];

  private final JsonFactory factory = new JsonFactory();

  /**
   * The fields every line carries from now on, as name/value pairs (values that are empty are left
   * out).
   */
  public static void setFields(String... namesAndValues) {
    java.util.List<String> kept = new java.util.ArrayList<>();
    for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
      if (!namesAndValues[i + 1].isEmpty()) {
        kept.add(namesAndValues[i]);
        kept.add(namesAndValues[i + 1]);
      }
    }
    fields = kept.toArray(new String[0]);
  }

  @Override
  public byte[] headerBytes() {
    return EMPTY;
  }

  @Override
  public byte[] footerBytes() {
    return EMPTY;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = factory.createGenerator(out, JsonEncoding.UTF8)) {
      json.writeStartObject();
      json.writeStringField("timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      json.writeStringField("level", event.getLevel().toString());
      json.writeStringField("logger", event.getLoggerName());
      String[] always = fields;
      for (int i = 0; i + 1 < always.length; i += 2) {
        json.writeStringField(always[i], always[i + 1]);
      }
      json.writeStringField("message", event.getFormattedMessage());
      List<KeyValuePair> pairs = event.getKeyValuePairs();
      if (pairs != null) {
        for (KeyValuePair pair : pairs) {
          writeValue(json, pair.key, pair.value);
        }
      }
      Map<String, String> mdc = event.getMDCPropertyMap();
      if (mdc != null) {
        for (Map.Entry<String, String> e : mdc.entrySet()) {
          json.writeStringField(e.getKey(), e.getValue());
        }
      }
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) {
        json.writeStringField("stack_trace", ThrowableProxyUtil.asString(thrown));
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static void writeValue(JsonGenerator json, String key, Object value) throws IOException {
    json.writeFieldName(key);
    if (value == null) {
      json.writeNull();
    } else if (value instanceof Integer || value instanceof Long) {
      json.writeNumber(((Number) value).longValue());
    } else if (value instanceof Double) {
      json.writeNumber((Double) value);
    } else if (value instanceof Boolean) {
      json.writeBoolean((Boolean) value);
    } else {
      json.writeString(value.toString());
    }
  }
}
