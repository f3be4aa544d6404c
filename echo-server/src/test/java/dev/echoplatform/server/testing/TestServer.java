package dev.echoplatform.server.testing;

import dev.echoplatform.config.ServerConfig;
import dev.echoplatform.server.EchoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * An in-process server on 127.0.0.1 and an ephemeral port, with rate limits high enough not to
 * interfere.
 */
public final class TestServer implements AutoCloseable {

  public final EchoServer server;
  public final int port;
  public final int managementPort;

  private TestServer(EchoServer server) {
    this.server = server;
    this.port = server.port();
    this.managementPort = server.managementPort();
  }

  public static TestServer start(String... envPairs) {
    return start(0, envPairs);
  }

  /**
   * A server whose serving sockets have a send buffer of {@code sendBufferBytes} (0: the kernel's
   * autotuning), so that its writes to a client that reads slowly stop part-way.
   */
  public static TestServer start(int sendBufferBytes, String... envPairs) {
    Map<String, String> env = new HashMap<>();
    env.put("RATE_LIMIT_RPS", "100000");
    env.put("RATE_LIMIT_BURST", "100000");
    env.put("HEALTH_RATE_LIMIT_RPM", "1000000");
    env.put("SHUTDOWN_DELAY", "0");
    env.put("SHUTDOWN_TIMEOUT", "2s");
    for (int i = 0; i < envPairs.length; i += 2) {
      env.put(envPairs[i], envPairs[i + 1]);
    }
    EchoServer server =
        new EchoServer(
            ServerConfig.fromEnv(env).withListenAddress("127.0.0.1", 0, 0), sendBufferBytes);
    try {
      server.start();
    } catch (IOException e) {
      server.close();
      throw new UncheckedIOException(e);
    }
    return new TestServer(server);
  }

  @Override
  public void close() {
    server.close();
  }
}
