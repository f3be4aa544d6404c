package dev.echoplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.config.ConfigException;
import dev.echoplatform.config.ServerConfig;
import dev.echoplatform.operator.SchemaValidator;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.resources.DesiredConfigMap;
import dev.echoplatform.operator.resources.EchoServiceModel;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the API server admits, echo-server runs: random EchoServices, their values drawn around
 * every bound the CRD and the server state (each bound, one inside, one outside), are checked with
 * the CRD's schema and CEL rules as the API server checks them ({@link SchemaValidator}); every one
 * admitted is rendered by the operator ({@link DesiredConfigMap}) and read by echo-server's own
 * {@link ServerConfig#fromEnv}, then held against the heap the image's JVM flags give at the
 * EchoService's memory limit ({@link ServerConfig#checkMemory}), exactly as the server does at
 * start. A failure prints the EchoService's spec and the server's message.
 */
class SettingsContractTest {

  private static final long SEED = 20261201L;
  private static final int CASES = 4000;
  private static final long MI = 1L << 20;

  private static SchemaValidator schema;
  private static final KubernetesSerialization serialization = new KubernetesSerialization();

  /** Runtime.maxMemory() of the image's JVM at each memory limit the cases use, measured once. */
  private static final Map<Long, Long> HEAP = new HashMap<>();

  private static final long[] MEMORY_LIMITS = {
    48 * MI, 64 * MI, 100 * MI, 128 * MI, 256 * MI, 1024 * MI
  };

  @BeforeAll
  static void load() throws Exception {
    schema = Project.crdSchema();
    for (long limit : MEMORY_LIMITS) {
      HEAP.put(limit, maxHeap(limit));
    }
  }

  /**
   * Runtime.maxMemory() of a JVM with the image's flags (deploy/images/echo-server/Dockerfile) in a
   * container of {@code limit} bytes: {@code -XX:MaxRAM} stands for the cgroup limit, {@code
   * -XshowSettings:vm} prints it.
   */
  private static long maxHeap(long limit) throws IOException, InterruptedException {
    String dockerfile =
        Files.readString(Project.root().resolve("deploy/images/echo-server/Dockerfile"));
    Matcher flags = Pattern.compile("(?m)^ARG JAVA_FLAGS=\"(.*)\"$").matcher(dockerfile);
    assertThat(flags.find()).as("JAVA_FLAGS in the Dockerfile").isTrue();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:MaxRAM=" + limit);
    for (String flag : flags.group(1).split(" ")) {
      // Flags this test JVM may not know (newer ones of the image's Java); the heap does not depend
      // on them.
      if (flag.startsWith("-XX:MaxRAMPercentage")
          || flag.startsWith("-XX:MinRAMPercentage")
          || flag.startsWith("-XX:InitialRAMPercentage")
          || flag.equals("-XX:+UseSerialGC")) {
        command.add(flag);
      }
    }
    command.add("-XshowSettings:vm");
    command.add("-version");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Matcher m = Pattern.compile("Max\\. Heap Size \\(Estimated\\): ([0-9.]+)M").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    // Printed in MiB with two decimals: round down by the last digit's worth.
    return (long) ((Double.parseDouble(m.group(1)) - 0.01) * MI);
  }

  @Test
  void everyEchoServiceTheApiServerAdmitsRunsInEchoServer() {
    Random random = new Random(SEED);
    int admitted = 0;
    int notStarting = 0;
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < CASES; i++) {
      long memoryLimit = MEMORY_LIMITS[random.nextInt(MEMORY_LIMITS.length)];
      Map<String, Object> spec = randomSpec(random, memoryLimit);
      Map<String, Object> object = new LinkedHashMap<>();
      object.put("apiVersion", "echo.platform.dev/v1alpha1");
      object.put("kind", "EchoService");
      // Mutable maps throughout: the validator sets the schema's defaults in place, at any depth.
      object.put("metadata", new LinkedHashMap<>(Map.of("name", "echo", "namespace", "team-a")));
      object.put("spec", spec);
      if (!schema.validate(object).isEmpty()) {
        continue;
      }
      admitted++;
      EchoService es = serialization.convertValue(object, EchoService.class);
      Map<String, String> env =
          DesiredConfigMap.build(EchoServiceModel.of(es, "echo-server:test")).getData();
      try {
        ServerConfig.fromEnv(env).checkMemory(HEAP.get(memoryLimit));
      } catch (ConfigException e) {
        notStarting++;
        if (failures.size() < 5) {
          // The spec as admitted: the validator sets the schema's defaults in it, as the API server
          // does.
          failures.add(e.getMessage() + "\n    spec: " + serialization.asJson(spec));
        }
      }
    }
    assertThat(admitted).as("cases the CRD admits, of %d", CASES).isGreaterThan(CASES / 20);
    assertThat(failures)
        .as(
            "of %d admitted EchoServices, %d do not start (the first ones shown)",
            admitted, notStarting)
        .isEmpty();
  }

  /**
   * A spec whose settings and memory limit sit at, next to or past the bounds, each field often
   * unset.
   */
  private static Map<String, Object> randomSpec(Random r, long memoryLimit) {
    Map<String, Object> settings = new LinkedHashMap<>();
    maybe(
        r,
        settings,
        "maxBodySize",
        bound(r, List.of(1L, 1024L, MI, 16 * MI, 16 * MI + 1, 64 * MI), 0L, 64 * MI + 1));
    maybe(
        r,
        settings,
        "maxInflightBodyBytes",
        bound(r, List.of(1L, MI, 4 * MI, 9 * MI, 16 * MI, 32 * MI, 64 * MI, 128 * MI), 0L));
    maybe(
        r,
        settings,
        "maxInflightBodyBytesPerClient",
        bound(r, List.of(0L, 1L, MI, 4 * MI, 16 * MI, 64 * MI), -1L));
    maybe(r, settings, "maxJsonDepth", bound(r, List.of(1L, 64L, 1000L), 0L, 1001L));
    maybe(r, settings, "rateLimitRps", bound(r, List.of(1L, 100L, 1_000_000L), 0L, 1_000_001L));
    maybe(r, settings, "rateLimitBurst", bound(r, List.of(1L, 200L, 1_000_000L), 0L, 1_000_001L));
    maybe(
        r,
        settings,
        "healthRateLimitRpm",
        bound(r, List.of(1L, 1000L, 1_000_000L), 0L, 1_000_001L));
    maybe(r, settings, "maxConnectionsPerClient", bound(r, List.of(0L, 1L, 16384L), -1L, 16385L));
    for (String duration : List.of("readTimeout", "writeTimeout", "idleTimeout")) {
      maybe(
          r,
          settings,
          duration,
          bound(r, List.of("1ms", "250ms", "5s", "1m30s", "24h"), "0", "0s", "24h0m1s", "25h"));
    }
    for (String duration : List.of("shutdownDelay", "shutdownTimeout")) {
      maybe(
          r,
          settings,
          duration,
          bound(r, List.of("0", "0s", "500ms", "30s", "24h"), "24h0m1s", "25h"));
    }
    maybe(r, settings, "logLevel", bound(r, List.of("debug", "info", "warn", "error"), "trace"));
    maybe(
        r,
        settings,
        "trustedProxies",
        bound(
            r,
            List.of(
                List.of(),
                List.of("10.0.0.0/8"),
                List.of("10.0.0.0/32", "fd00::/8"),
                List.of("fd00::/128")),
            List.of("10.0.0.0/33"),
            List.of("fd00::/129")));
    Map<String, Object> spec = new LinkedHashMap<>();
    if (!settings.isEmpty()) {
      spec.put("settings", settings);
    }
    Map<String, Object> limits = new LinkedHashMap<>();
    if (r.nextInt(4) != 0 || memoryLimit != 128 * MI) {
      limits.put("memory", (memoryLimit / MI) + "Mi");
    }
    if (r.nextBoolean()) {
      limits.put("cpu", pick(r, "100m", "200m", "1"));
    }
    if (!limits.isEmpty()) {
      spec.put("resources", new LinkedHashMap<>(Map.of("limits", limits)));
    }
    return spec;
  }

  private static void maybe(Random r, Map<String, Object> into, String field, Object value) {
    if (r.nextInt(2) == 0) {
      into.put(field, value);
    }
  }

  /** A value inside the bounds (at one of them, most often), one in ten times one just outside. */
  @SafeVarargs
  private static <T> T bound(Random r, List<T> inside, T... outside) {
    return r.nextInt(10) == 0 && outside.length > 0
        ? outside[r.nextInt(outside.length)]
        : inside.get(r.nextInt(inside.size()));
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... values) {
    return values[r.nextInt(values.length)];
  }
}
