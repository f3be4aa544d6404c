package dev.echoplatform.server.wire;

import java.net.InetAddress;

/**
 * Told of every request or connection the {@link ConnectionGuard} refuses, for the access log and
 * the metrics.
 */
public interface RefusalListener {

  /**
   * A request (or a connection over the per-client cap) was answered with {@code violation} on the
   * raw connection.
   *
   * @param nanos time from the first byte of the refused request (or from the accept) to the answer
   * @param bytesOut size of the response written
   */
  void refused(Violation violation, String requestId, InetAddress client, long nanos, int bytesOut);

  /** A connection sent no byte within READ_TIMEOUT of being accepted, and was closed. */
  void silentConnectionClosed(InetAddress client);
}
