package dev.echoplatform.server.http;

import dev.echoplatform.server.wire.RequestIds;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;


/**
 * Gives every request an id: the client's {@code X-Request-Id} when it is 1-128 characters of
 * {@code [A-Za-z0-9._:-]}, otherwise a fresh random 128-bit hex id. The id is returned in the response header and
 * written in the access log line.
 */
public final class RequestIdHandler implements HttpHandler {

    public static final HttpString HEADER = new HttpString("X-Request-Id");
    public static final int MAX_LENGTH = 128;

    private final HttpHandler next;

    public RequestIdHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String offered = exchange.getRequestHeaders().getFirst(HEADER);
        String id = isAcceptable(offered) ? offered : RequestIds.generate();
        RequestInfo.of(exchange).requestId = id;
        exchange.getResponseHeaders().put(HEADER, id);
        next.handleRequest(exchange);
    }

    static boolean isAcceptable(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
