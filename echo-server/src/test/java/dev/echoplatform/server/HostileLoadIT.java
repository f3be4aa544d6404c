package dev.echoplatform.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.ServerProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The packaged server on the image's JVM (Temurin 25 with the Dockerfile's flags, the heap sized
 * for a 128 MiB container) under the attacks of the hostile-client issue at once, for a bounded
 * time, on loopback: a chunked request with a 16 MiB trailer, forty uploads that declare 1 MiB and
 * send one byte, and a flood of idle connections, all from 127.0.0.1, while a well-behaved client
 * on 127.0.0.2 keeps calling /echo and the probes. The well-behaved client sees only answers, the
 * process stays alive, stays under its memory limit and stops cleanly. Run by the {@code hostile}
 * profile ({@code .ci/run} runs it).
 */
class HostileLoadIT {

  private static final long DURATION_MILLIS = 15_000;
  private static final Path DOCKERFILE =
      Path.of("..", "deploy", "images", "echo-server", "Dockerfile");
  private static final long LIMIT_BYTES = 128L << 20;

  @Test
  void attacksLeaveAWellBehavedClientServedAndTheProcessAlive() throws Exception {
    Path java =
        Path.of(
            System.getProperty("jdk25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java");
    assertThat(Files.isExecutable(java))
        .as("the image's JDK at %s (set -Djdk25.home)", java)
        .isTrue();
    String dockerfile = Files.readString(DOCKERFILE);
    List<String> flags =
        new ArrayList<>(List.of(arg(dockerfile, "ARG JAVA_FLAGS=\"(.*)\"").split(" ")));
    flags.add("-XX:MaxRAM=" + LIMIT_BYTES); // the container limit the heap is sized from
    int port = ServerProcess.freePort();
    int management = ServerProcess.freePort();
    Map<String, String> env =
        Map.of(
            "PORT",
            Integer.toString(port),
            "MANAGEMENT_PORT",
            Integer.toString(management),
            "SHUTDOWN_DELAY",
            "0",
            "READ_TIMEOUT",
            "2s",
            "LOG_LEVEL",
            "warn",
            "MALLOC_ARENA_MAX",
            arg(dockerfile, "MALLOC_ARENA_MAX=(\\d+)"));
    try (ServerProcess server =
        ServerProcess.startJarWith(java, flags, Path.of("target", "echo-server.jar"), env)) {
      assertThat(awaitHealthy(management)).as("started: %s", server.stderr()).isTrue();
      Map<String, AtomicLong> seen = new ConcurrentHashMap<>();
      long deadline = System.currentTimeMillis() + DURATION_MILLIS;
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        pool.submit(() -> trailerAttack(port, deadline));
        pool.submit(() -> budgetHold(port, deadline));
        pool.submit(() -> connectionFlood(port, deadline));
        wellBehavedClient(port, management, deadline, seen);
      } finally {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(server.process.isAlive())
          .as("alive after the attacks: %s", server.stderr())
          .isTrue();
      assertThat(seen.keySet())
          .as("what the well-behaved client saw")
          .containsOnly("echo 200", "healthz 200");
      assertThat(seen.get("echo 200").get()).isGreaterThan(50);
      String metrics = RawHttp.request(management, "GET", "/metrics", null).bodyText();
      assertThat(counter(metrics, "headers_too_large")).as("trailers refused").isPositive();
      assertThat(counter(metrics, "connection_limit")).as("connections refused").isPositive();
      assertThat(counter(metrics, "timeout"))
          .as("silent connections and held bodies cut off")
          .isPositive();
      long peak = peakRss(server.process.pid());
      System.out.printf(
          "peak RSS %.1f MiB of a %d MiB limit; %s%n", peak / 1048576.0, LIMIT_BYTES >> 20, seen);
      assertThat(peak).as("peak RSS (VmHWM) under the container limit").isLessThan(LIMIT_BYTES);
      server.process.destroy();
      assertThat(server.awaitExit(15_000)).isZero();
    }
  }

  /** A chunked /echo whose trailer section carries one 16 MiB field, again and again. */
  private static void trailerAttack(int port, long deadline) {
    byte[] filler = "a".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
    while (System.currentTimeMillis() < deadline) {
      try (Socket socket = RawHttp.connect(port)) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: ")
                .getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 256; i++) {
          out.write(filler);
        }
      } catch (IOException refused) {
        // the server answered 431 and closed: the attack goes on with a new connection
      }
    }
  }

  /**
   * Forty connections that each declare a 1 MiB body and send one byte, reopened as they are
   * closed.
   */
  private static void budgetHold(int port, long deadline) {
    List<Socket> held = new ArrayList<>();
    try {
      while (System.currentTimeMillis() < deadline) {
        held.removeIf(s -> s.isClosed() || !stillOpen(s));
        while (held.size() < 40) {
          Socket socket = RawHttp.connect(port);
          socket
              .getOutputStream()
              .write(
                  ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          + "Content-Length: 1048576\r\n\r\n{")
                      .getBytes(StandardCharsets.US_ASCII));
          held.add(socket);
        }
        Thread.sleep(200);
      }
    } catch (IOException | InterruptedException e) {
      // the attacker gives up when the test ends
    } finally {
      held.forEach(ServerProcess::closeQuietly);
    }
  }

  /**
   * Idle connections from one address, as many as the server takes, reopened as they are closed.
   */
  private static void connectionFlood(int port, long deadline) {
    List<Socket> idle = new ArrayList<>();
    try {
      while (System.currentTimeMillis() < deadline) {
        idle.removeIf(s -> !stillOpen(s));
        for (int i = 0; i < 100 && idle.size() < 1500; i++) {
          idle.add(RawHttp.connect(port));
        }
        Thread.sleep(100);
      }
    } catch (IOException | InterruptedException e) {
      // connect refused or interrupted: the flood ends
    } finally {
      idle.forEach(ServerProcess::closeQuietly);
    }
  }

  private static void wellBehavedClient(
      int port, int management, long deadline, Map<String, AtomicLong> seen) throws Exception {
    byte[] body = ("{\"ok\":\"" + "x".repeat(1000) + "\"}").getBytes(StandardCharsets.UTF_8);
    while (System.currentTimeMillis() < deadline) {
      String echo;
      try (Socket socket = RawHttp.connectFrom("127.0.0.2", port)) {
        socket
            .getOutputStream()
            .write(
                ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Connection: close\r\nContent-Length: "
                        + body.length
                        + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(body);
        RawHttp.Response r = RawHttp.read(socket.getInputStream(), false);
        echo =
            "echo "
                + r.status()
                + (r.status() == 200 && !java.util.Arrays.equals(r.body(), body)
                    ? " mismatch"
                    : "");
      } catch (IOException e) {
        echo = "echo " + e.getClass().getSimpleName();
      }
      seen.computeIfAbsent(echo, k -> new AtomicLong()).incrementAndGet();
      String health;
      try (Socket socket = RawHttp.connectFrom("127.0.0.2", management)) {
        socket
            .getOutputStream()
            .write(
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        health = "healthz " + RawHttp.read(socket.getInputStream(), false).status();
      } catch (IOException e) {
        health = "healthz " + e.getClass().getSimpleName();
      }
      seen.computeIfAbsent(health, k -> new AtomicLong()).incrementAndGet();
      Thread.sleep(20);
    }
  }

  private static boolean stillOpen(Socket socket) {
    try {
      socket.setSoTimeout(1);
      return socket.getInputStream().read() != -1;
    } catch (java.net.SocketTimeoutException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean awaitHealthy(int management) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      try {
        if (RawHttp.request(management, "GET", "/healthz", null).status() == 200) {
          return true;
        }
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    return false;
  }

  private static double counter(String metrics, String type) {
    Matcher m =
        Pattern.compile("(?m)^echo_http_errors_total\\{type=\"" + type + "\"} (\\S+)$")
            .matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static long peakRss(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmHWM for " + pid);
  }

  private static String arg(String dockerfile, String regex) {
    Matcher m = Pattern.compile("(?m)" + regex).matcher(dockerfile);
    assertThat(m.find()).as("%s in the Dockerfile", regex).isTrue();
    return m.group(1);
  }
}
