package dev.echoplatform.server.wire;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;

/** The body of every error response: {@code {"error":"<message>"}}, UTF-8. */
public final class ErrorJson {

  private ErrorJson() {}

  public static byte[] of(String message) {
    StringBuilder json = new StringBuilder(message.length() + 16).append("{\"error\":\"");
    JsonStringEncoder.getInstance().quoteAsString(message, json);
    return json.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
