package dev.echoplatform.server.wire;

/**
 * A request the server refuses below the handlers: the status to answer, the error type counted in
 * {@code echo_http_errors_total}, a client-facing message in the server's words, and what was read
 * of the request line (for the access log). After a violation the connection is closed once the
 * error response is written.
 */
public record Violation(int status, Kind kind, String message, String method, String target) {

  /** Characters of the request target kept for the access log line of a refused request. */
  public static final int MAX_LOGGED_TARGET = 200;

  /**
   * The error types; {@link #tag()} is the {@code type} label of {@code echo_http_errors_total}.
   */
  public enum Kind {
    /** Malformed request line, field line or chunked framing: 400. */
    BAD_REQUEST("bad_request"),
    /** Header section, a field line or the trailer section over its bound: 431. */
    HEADERS_TOO_LARGE("headers_too_large"),
    /** Request target over its bound: 414. */
    URI_TOO_LONG("uri_too_long"),
    /** Unknown method or transfer coding: 501. */
    NOT_IMPLEMENTED("not_implemented"),
    /** HTTP version other than 1.0 and 1.1: 505. */
    VERSION_NOT_SUPPORTED("version_not_supported"),
    /** One client already holds MAX_CONNECTIONS_PER_CLIENT open connections: 503. */
    CONNECTION_LIMIT("connection_limit");

    private final String tag;

    Kind(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }
  }

  public Violation {
    method = method == null ? "" : method;
    target = target == null ? "" : target;
  }

  /** The reason phrase of {@link #status()}. */
  public String reason() {
    return switch (status) {
      case 400 -> "Bad Request";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 431 -> "Request Header Fields Too Large";
      case 501 -> "Not Implemented";
      case 503 -> "Service Unavailable";
      case 505 -> "HTTP Version Not Supported";
      default -> "Error";
    };
  }
}
