package dev.echoplatform.server;

import dev.echoplatform.config.ConfigException;
import dev.echoplatform.config.ServerConfig;
import dev.echoplatform.config.Setting;
import dev.echoplatform.server.log.JsonLineEncoder;
import dev.echoplatform.server.log.LogConfigurator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Entry point. {@code java -jar echo-server.jar} serves; {@code --help} prints the configuration
 * table; {@code --check-health} probes {@code http://127.0.0.1:$MANAGEMENT_PORT/healthz} (or
 * BIND_ADDRESS when it is not a wildcard) and exits 0 (healthy) or 1 (for the image HEALTHCHECK,
 * which has no shell or curl).
 */
public final class Main {

  /** Exit status for an invalid configuration or command line. */
  static final int EXIT_CONFIG = 2;

  static final int HEALTH_CHECK_TIMEOUT_MILLIS = 2000;

  private Main() {}

  public static void main(String[] args) {
    // XNIO and Undertow log through jboss-logging, which otherwise probes for five logging
    // back-ends by class
    // name before settling on SLF4J (tens of milliseconds of start-up).
    if (System.getProperty("org.jboss.logging.provider") == null) {
      System.setProperty("org.jboss.logging.provider", "slf4j");
    }
    if (args.length > 1
        || (args.length == 1 && !args[0].equals("--help") && !args[0].equals("--check-health"))) {
      System.err.println(
          "echo-server: unknown arguments "
              + String.join(" ", args)
              + "; usage: echo-server [--help | --check-health]");
      System.exit(EXIT_CONFIG);
    }
    if (args.length == 1 && args[0].equals("--help")) {
      System.out.print(usage());
      return;
    }
    ServerConfig config;
    try {
      config = ServerConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      System.err.println("echo-server: " + e.getMessage());
      System.exit(EXIT_CONFIG);
      return;
    }
    if (args.length == 1) {
      System.exit(checkHealth(probeAddress(config.host()), config.managementPort()) ? 0 : 1);
    }
    try {
      config.checkMemory(Runtime.getRuntime().maxMemory());
    } catch (ConfigException e) {
      System.err.println("echo-server: " + e.getMessage());
      System.exit(EXIT_CONFIG);
      return;
    }
    LogConfigurator.setLevel(config.logLevel());
    JsonLineEncoder.setFields("service", config.serviceName(), "environment", config.environment());
    Logger log = LoggerFactory.getLogger(Main.class);
    EchoServer server = new EchoServer(config);
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      log.atError().setCause(e).addKeyValue("port", config.port()).log("cannot start the server");
      server.close();
      System.exit(1);
    }
    AtomicBoolean stopping = new AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(
          new Signal(name),
          signal -> {
            if (!stopping.compareAndSet(false, true)) {
              return; // the shutdown sequence is already running
            }
            log.atInfo().addKeyValue("signal", "SIG" + name).log("shutdown requested");
            Thread shutdown =
                new Thread(
                    () -> {
                      int status = 0;
                      try {
                        server.shutdownGracefully();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      } catch (RuntimeException | Error e) {
                        log.atError().setCause(e).log("shutdown failed");
                        status = 1;
                      } finally {
                        System.exit(status);
                      }
                    },
                    "shutdown");
            // Signal handlers run on a daemon thread, which new threads would inherit: without
            // this, the JVM
            // could end as soon as the worker threads stop, before the sequence finishes and
            // reports.
            shutdown.setDaemon(false);
            shutdown.start();
          });
    }
  }

  static String usage() {
    return "echo-server "
        + version()
        + ": JSON echo HTTP service\n\n"
        + "Usage: java -jar echo-server.jar [--help | --check-health]\n"
        + "  --help          print this text\n"
        + "  --check-health  GET http://127.0.0.1:$MANAGEMENT_PORT/healthz (BIND_ADDRESS unless 0.0.0.0 or ::); exit 0 when it answers 200, else 1\n\n"
        + "Endpoints on PORT: GET|HEAD /healthz, GET|HEAD /readyz, POST /echo, GET|HEAD /openapi.json\n"
        + "Endpoints on MANAGEMENT_PORT: GET|HEAD /healthz, GET|HEAD /readyz, GET|HEAD /metrics\n\n"
        + "Configuration (environment variables; unset or empty = default; durations use Go syntax):\n"
        + Setting.helpTable()
        + "\nAn invalid value stops the server before it listens, with exit status "
        + EXIT_CONFIG
        + " and one line on stderr.\n";
  }

  static String version() {
    return BuildInfo.version();
  }

  /**
   * Where --check-health connects: loopback when the server listens on every interface, else its
   * address.
   */
  static String probeAddress(String bindAddress) {
    return bindAddress.equals("0.0.0.0") || bindAddress.equals("0:0:0:0:0:0:0:0")
        ? "127.0.0.1"
        : bindAddress;
  }

  /**
   * A minimal HTTP/1.1 probe over a plain socket (no HTTP client module needed in the runtime
   * image).
   */
  static boolean checkHealth(String address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), HEALTH_CHECK_TIMEOUT_MILLIS);
      socket.setSoTimeout(HEALTH_CHECK_TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
      out.write(
          ("GET /healthz HTTP/1.1\r\nHost: "
                  + host
                  + ":"
                  + port
                  + "\r\nConnection: close\r\n"
                  + "User-Agent: echo-server-healthcheck\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] statusLine = new byte[12];
      int n = in.readNBytes(statusLine, 0, statusLine.length);
      String status = new String(statusLine, 0, n, StandardCharsets.US_ASCII);
      boolean ok = status.startsWith("HTTP/1.") && status.endsWith(" 200");
      if (!ok) {
        System.err.println(
            "echo-server: health check got \"" + status.trim() + "\" from port " + port);
      }
      return ok;
    } catch (IOException e) {
      System.err.println("echo-server: health check of port " + port + " failed: " + e);
      return false;
    }
  }
}
