package dev.echoplatform.operator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RuntimeInfo;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of the echo-operator process. */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--render")) {
      System.exit(render(args));
      return;
    }
    for (String arg : args) {
      switch (arg) {
        case "--help", "-h" -> {
          System.out.print(OperatorConfig.help());
          return;
        }
        case "--version" -> {
          System.out.println(OperatorConfig.operatorVersion());
          return;
        }
        default -> {
          System.err.println("unknown argument: " + arg + " (see --help)");
          System.exit(2);
        }
      }
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnvironment();
    } catch (IllegalArgumentException e) {
      System.err.println("echo-operator: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    setLogLevel(config.logLevel());
    log.info("starting echo-operator {} with {}", OperatorConfig.operatorVersion(), config);

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    registerBuildInfo(registry);

    KubernetesClient client =
        new KubernetesClientBuilder()
            .withHttpClientBuilderConsumer(new WriteMetrics(registry)::install)
            .build();
    try {
      log.info("{}", ApiServerCheck.check(client.getConfiguration()));
    } catch (ApiServerCheck.Unreachable e) {
      log.error("echo-operator could not start: {}", e.getMessage());
      client.close();
      System.exit(1);
      return;
    }
    // Without leader election this replica always leads; with it, it leads once it holds the Lease.
    Leadership leadership =
        new Leadership(!config.leaderElectionEnabled(), Leadership.systemExit());
    Operator operator =
        EchoOperator.create(
            client,
            config,
            MicrometerMetrics.newMicrometerMetricsBuilder(registry)
                .notCollectingMetricsPerResource()
                .build(),
            registry,
            leadership::leadershipChanged,
            c -> {});
    // Taken before start(): Operator.getRuntimeInfo() waits for a lock start() holds while the
    // informers sync, which would hang the probes exactly when they matter.
    RuntimeInfo runtime = operator.getRuntimeInfo();
    ManagementServer management;
    try {
      management =
          new ManagementServer(
              new java.net.InetSocketAddress(config.bindAddress(), config.managementPort()),
              // Alive unless the leader's informers failed.
              () ->
                  !runtime.isStarted()
                      || !leadership.isLeading()
                      || runtime.allEventSourcesAreHealthy(),
              // Ready once started; a standby waiting for the Lease is ready (it can take over), so
              // a rolling update of the operator's own Deployment never waits on the Lease.
              () ->
                  runtime.isStarted()
                      && (!leadership.isLeading() || runtime.allEventSourcesAreHealthy()),
              registry);
    } catch (java.io.IOException e) {
      log.error("cannot listen on MANAGEMENT_PORT={}: {}", config.managementPort(), e.getMessage());
      client.close();
      System.exit(1);
      return;
    }
    management.start();
    log.info("management endpoints on port {}: /healthz /readyz /metrics", management.port());

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down");
                  leadership.shuttingDown();
                  try {
                    operator.stop();
                  } finally {
                    management.close();
                    client.close();
                    stopped.countDown();
                  }
                },
                "shutdown"));
    try {
      operator.start();
    } catch (RuntimeException e) {
      log.error("echo-operator could not start: {}", e.getMessage(), e);
      System.exit(1);
    }
    stopped.await();
  }

  /** {@code --render FILE|-}: prints the children of the EchoServices in FILE (or stdin). */
  static int render(String[] args) throws java.io.IOException {
    if (args.length != 2) {
      System.err.println("usage: java -jar echo-operator.jar --render FILE|-");
      return 2;
    }
    String yaml =
        args[1].equals("-")
            ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
            : java.nio.file.Files.readString(java.nio.file.Path.of(args[1]));
    try {
      String image = System.getenv().getOrDefault("ECHO_SERVER_IMAGE", "").trim();
      System.out.print(
          Renderer.toYaml(
              Renderer.children(yaml, image.isEmpty() ? OperatorConfig.defaultImage() : image)));
      return 0;
    } catch (IllegalArgumentException e) {
      e.getMessage().lines().forEach(line -> System.err.println("echo-operator --render: " + line));
      return 2;
    }
  }

  static void setLogLevel(String level) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
    }
  }

  /** {@code echo_operator_build_info{version,revision} 1}. */
  static void registerBuildInfo(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.Gauge.builder("echo.operator.build.info", () -> 1)
        .description("The operator's version and source revision (always 1)")
        .tags(
            "version",
            OperatorConfig.operatorVersion(),
            "revision",
            OperatorConfig.operatorRevision())
        .register(registry);
  }
}
