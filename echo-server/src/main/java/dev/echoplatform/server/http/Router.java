package dev.echoplatform.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exact-path routing. Unknown path: 404. Known path, method not served: 405 with an {@code Allow} header listing the
 * methods that are. Methods arrive here only in their exact, case-sensitive spelling: the request scanner answers any
 * other method with 501 before routing ({@code dev.echoplatform.server.wire.Methods}).
 */
public final class Router implements HttpHandler {

    private static final class Route {
        final Map<HttpString, HttpHandler> handlers = new LinkedHashMap<>();
        String allow = "";
    }

    private final Map<String, Route> routes = new LinkedHashMap<>();

    /** Serves {@code method} on {@code path}; a GET handler also answers HEAD (RFC 9110 §9.3.2). */
    public Router add(String path, HttpString method, HttpHandler handler) {
        Route route = routes.computeIfAbsent(path, p -> new Route());
        route.handlers.put(method, handler);
        if (method.equals(Methods.GET)) {
            route.handlers.putIfAbsent(Methods.HEAD, handler);
        }
        route.allow = String.join(", ", route.handlers.keySet().stream().map(HttpString::toString).toList());
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
        HttpHandler handler = route.handlers.get(exchange.getRequestMethod());
        if (handler == null) {
            exchange.getResponseHeaders().put(Headers.ALLOW, route.allow);
            JsonResponses.error(exchange, 405, "method " + truncate(exchange.getRequestMethod().toString())
                    + " not allowed on " + exchange.getRequestPath() + "; allowed: " + route.allow);
            return;
        }
        handler.handleRequest(exchange);
    }

    private static String truncate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }
}
