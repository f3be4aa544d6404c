package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.RawHttp.Response;
import dev.echoplatform.server.testing.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The served OpenAPI document lists exactly the (path, method, status) triples this test provokes
 * from a real server, and every JSON response provoked matches the schema and headers the document
 * gives for it.
 */
class OpenApiContractTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> METHODS =
      List.of("get", "head", "post", "put", "delete", "patch", "options");
  private static final String UNKNOWN_TEMPLATE = "/{unknownPath}";

  private final Set<String> exercised = new TreeSet<>();
  private JsonNode doc;

  @Test
  void documentMatchesTheServersBehaviour() throws Exception {
    try (TestServer normal = TestServer.start("MAX_BODY_SIZE", "1024")) {
      Response served = RawHttp.request(normal.port, "GET", "/openapi.json", null);
      doc = JSON.readTree(served.body());
      try (InputStream in = OpenApiHandler.class.getResourceAsStream(OpenApiHandler.RESOURCE)) {
        assertThat(served.body()).isEqualTo(in.readAllBytes());
      }
      int port = normal.port;
      check(port, "GET", "/healthz", null);
      check(port, "HEAD", "/healthz", null);
      check(port, "GET", "/readyz", null);
      check(port, "HEAD", "/readyz", null);
      check(port, "POST", "/echo", "{\"a\":[1,2]}", "Content-Type: application/json");
      check(port, "POST", "/echo", "[]", "Content-Type: application/json");
      check(
          port,
          "POST",
          "/echo",
          "{\"p\":\"" + "x".repeat(1100) + "\"}",
          "Content-Type: application/json");
      check(port, "POST", "/echo", "{}", "Content-Type: text/plain");
      check(port, "GET", "/openapi.json", null);
      check(port, "HEAD", "/openapi.json", null);
      check(port, "GET", "/no-such-path", null);
    }
    try (TestServer draining = TestServer.start()) {
      draining.server.beginDraining();
      check(draining.port, "GET", "/readyz", null);
      check(draining.port, "HEAD", "/readyz", null);
    }
    try (TestServer limited =
        TestServer.start(
            "RATE_LIMIT_RPS", "1", "RATE_LIMIT_BURST", "1", "HEALTH_RATE_LIMIT_RPM", "1")) {
      for (String[] op :
          new String[][] {{"GET", "/healthz"}, {"HEAD", "/readyz"}, {"POST", "/echo"}}) {
        RawHttp.request(
            limited.port,
            op[0],
            op[1],
            "{}".getBytes(StandardCharsets.UTF_8),
            "Content-Type: application/json");
      }
      check(limited.port, "GET", "/healthz", null);
      check(limited.port, "HEAD", "/healthz", null);
      check(limited.port, "GET", "/readyz", null);
      check(limited.port, "HEAD", "/readyz", null);
      check(limited.port, "POST", "/echo", "{}", "Content-Type: application/json");
      check(limited.port, "GET", "/openapi.json", null);
      check(limited.port, "HEAD", "/openapi.json", null);
      check(limited.port, "GET", "/no-such-path", null);
    }
    try (TestServer full =
            TestServer.start("MAX_BODY_SIZE", "100", "MAX_INFLIGHT_BODY_BYTES", "100");
        Socket holder = RawHttp.connect(full.port)) {
      OutputStream out = holder.getOutputStream();
      out.write(
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (full.server.bodyBudget().used() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      check(full.port, "POST", "/echo", "{}", "Content-Type: application/json");
    }
    assertThat(exercised).isEqualTo(documented());
  }

  private Set<String> documented() {
    Set<String> out = new TreeSet<>();
    doc.get("paths")
        .fields()
        .forEachRemaining(
            path -> {
              for (String method : METHODS) {
                JsonNode op = path.getValue().get(method);
                if (op != null) {
                  op.get("responses")
                      .fieldNames()
                      .forEachRemaining(
                          status ->
                              out.add(
                                  path.getKey()
                                      + " "
                                      + method.toUpperCase(Locale.ROOT)
                                      + " "
                                      + status));
                }
              }
            });
    return out;
  }

  private void check(int port, String method, String path, String body, String... headers)
      throws Exception {
    Response r =
        RawHttp.request(
            port,
            method,
            path,
            body == null ? null : body.getBytes(StandardCharsets.UTF_8),
            headers);
    String template = doc.get("paths").has(path) ? path : UNKNOWN_TEMPLATE;
    exercised.add(template + " " + method + " " + r.status());
    JsonNode response =
        resolve(
            doc.get("paths")
                .path(template)
                .path(method.toLowerCase(Locale.ROOT))
                .path("responses")
                .path(Integer.toString(r.status())));
    assertThat(response.isMissingNode())
        .as("%s %s -> %d is documented", method, path, r.status())
        .isFalse();
    for (Iterator<Map.Entry<String, JsonNode>> h = response.path("headers").fields();
        h.hasNext(); ) {
      String name = h.next().getKey();
      assertThat(r.header(name))
          .as("%s %s -> %d header %s", method, path, r.status(), name)
          .isNotNull();
    }
    assertThat(r.header("X-Request-Id")).matches("^[A-Za-z0-9._:-]{1,128}$");
    JsonNode content = response.path("content");
    if (method.equals("HEAD")) {
      assertThat(r.body()).isEmpty();
      return;
    }
    if (content.has("application/json")) {
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      validate(
          JSON.readTree(r.body()),
          resolve(content.get("application/json").get("schema")),
          method + " " + path);
    } else if (content.has("text/plain")) {
      assertThat(r.header("Content-Type")).startsWith("text/plain");
    }
  }

  private JsonNode resolve(JsonNode node) {
    while (node.has("$ref")) {
      JsonNode target = doc;
      for (String part : node.get("$ref").asText().substring(2).split("/")) {
        target = target.get(part);
      }
      node = target;
    }
    return node;
  }

  private void validate(JsonNode value, JsonNode schema, String where) {
    String type = schema.path("type").asText("");
    switch (type) {
      case "object" -> {
        assertThat(value.isObject()).as("%s: object expected, got %s", where, value).isTrue();
        schema
            .path("required")
            .forEach(
                req ->
                    assertThat(value.has(req.asText()))
                        .as("%s: required %s in %s", where, req.asText(), value)
                        .isTrue());
        schema
            .path("properties")
            .fields()
            .forEachRemaining(
                p -> {
                  if (value.has(p.getKey())) {
                    validate(
                        value.get(p.getKey()), resolve(p.getValue()), where + "." + p.getKey());
                  }
                });
      }
      case "string" -> assertThat(value.isTextual()).as("%s: string expected", where).isTrue();
      case "integer" ->
          assertThat(value.isIntegralNumber()).as("%s: integer expected", where).isTrue();
      default -> {}
    }
    if (schema.has("enum")) {
      Set<String> allowed = new TreeSet<>();
      schema.get("enum").forEach(e -> allowed.add(e.asText()));
      assertThat(allowed).as("%s: enum", where).contains(value.asText());
    }
  }
}
