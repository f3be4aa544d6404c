package dev.echoplatform.server.http;

/** The route templates the server answers (also the {@code route} tag of the request metrics). */
public final class Routes {
  public static final String HEALTHZ = "/healthz";
  public static final String READYZ = "/readyz";
  public static final String ECHO = "/echo";
  public static final String METRICS = "/metrics";
  public static final String OPENAPI = "/openapi.json";

  private Routes() {}

  /** Liveness and readiness have their own, higher rate-limit budget. */
  public static boolean isHealth(String path) {
    return HEALTHZ.equals(path) || READYZ.equals(path);
  }
}
