package dev.echoplatform.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exact-path routing. Unknown path: 404. Known path, method not served: 405 with an {@code Allow}
 * header listing the methods that are. Methods match exactly (RFC 9110 §9.1: case-sensitive), so
 * {@code get} is not GET: it is a method this resource does not allow, 405 like any other token the
 * request scanner let through.
 */
public final class Router implements HttpHandler {

  private static final class Route {
    final Map<String, HttpHandler> handlers = new LinkedHashMap<>();
    String allow = "";
  }

  private final Map<String, Route> routes = new LinkedHashMap<>();

  /** Serves {@code method} on {@code path}; a GET handler also answers HEAD (RFC 9110 §9.3.2). */
  public Router add(String path, HttpString method, HttpHandler handler) {
    Route route = routes.computeIfAbsent(path, p -> new Route());
    route.handlers.put(method.toString(), handler);
    if (method.equals(Methods.GET)) {
      route.handlers.putIfAbsent(Methods.HEAD_STRING, handler);
    }
    route.allow = String.join(", ", route.handlers.keySet());
    return this;
  }

  /** The route template for {@code path}, or {@code null} when none matches. */
  public String templateOf(String path) {
    return routes.containsKey(path) ? path : null;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    Route route = routes.get(exchange.getRequestPath());
    if (route == null) {
      JsonResponses.error(exchange, 404, "no such path: " + truncate(exchange.getRequestPath()));
      return;
    }
    // HttpString compares without case; the method as sent is compared exactly.
    HttpHandler handler = route.handlers.get(exchange.getRequestMethod().toString());
    if (handler == null) {
      exchange.getResponseHeaders().put(Headers.ALLOW, route.allow);
      JsonResponses.error(
          exchange,
          405,
          "method "
              + truncate(exchange.getRequestMethod().toString())
              + " not allowed on "
              + exchange.getRequestPath()
              + "; allowed: "
              + route.allow);
      return;
    }
    handler.handleRequest(exchange);
  }

  private static String truncate(String s) {
    return s.length() <= 100 ? s : s.substring(0, 100) + "...";
  }
}
