package dev.echoplatform.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server's main class in a child JVM (test class path) with a chosen environment; stdout/stderr
 * go to files.
 */
public final class ServerProcess implements AutoCloseable {

  public final Process process;
  private final Path out;
  private final Path err;

  private ServerProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  public static ServerProcess start(Map<String, String> env, String... args) throws IOException {
    return launch(
        env,
        List.of("-cp", System.getProperty("java.class.path"), "dev.echoplatform.server.Main"),
        args);
  }

  /** Runs the packaged jar, as the image does. */
  public static ServerProcess startJar(Path jar, Map<String, String> env, String... args)
      throws IOException {
    return launch(env, List.of("-jar", jar.toString()), args);
  }

  /** Runs the packaged jar on another JVM with the given flags (the image's runtime and flags). */
  public static ServerProcess startJarWith(
      Path java, List<String> flags, Path jar, Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(flags);
    command.addAll(List.of("-jar", jar.toString()));
    return launch(env, command);
  }

  private static ServerProcess launch(Map<String, String> env, List<String> target, String... args)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto"));
    command.addAll(target);
    command.addAll(List.of(args));
    return launch(env, command);
  }

  private static ServerProcess launch(Map<String, String> env, List<String> command)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command);
    for (String name : List.copyOf(builder.environment().keySet())) {
      if (name.matches("[A-Z_]+") && !name.equals("PATH") && !name.equals("HOME")) {
        builder.environment().remove(name);
      }
    }
    // Tests listen on this machine only, unless a test chooses the address itself.
    builder.environment().put("BIND_ADDRESS", "127.0.0.1");
    builder.environment().putAll(env);
    Path out = Files.createTempFile("echo-server-", ".out");
    Path err = Files.createTempFile("echo-server-", ".err");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    return new ServerProcess(builder.start(), out, err);
  }

  public static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  public List<String> stdout() {
    return lines(out);
  }

  public List<String> stderr() {
    return lines(err);
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for a stdout line containing {@code fragment}. */
  public boolean awaitStdout(String fragment, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    do {
      if (stdout().stream().anyMatch(l -> l.contains(fragment))) {
        return true;
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline && process.isAlive());
    return stdout().stream().anyMatch(l -> l.contains(fragment));
  }

  public int awaitExit(long millis) throws InterruptedException {
    if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "process still running after "
              + millis
              + " ms; stdout="
              + stdout()
              + " stderr="
              + stderr());
    }
    return process.exitValue();
  }

  @Override
  public void close() throws IOException {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
  }
}
