package dev.echoplatform.operator;

import dev.echoplatform.config.GoDuration;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Configuration of the operator process, read from environment variables ({@link Variable}).
 *
 * @param watchNamespaces namespaces to watch; empty means all namespaces
 * @param echoServerImage image used when an EchoService sets none
 * @param leaderElectionEnabled whether to elect a leader through a Lease
 * @param leaseName name of the Lease
 * @param leaseNamespace namespace of the Lease; empty when it could not be determined
 * @param reconcileConcurrency EchoServices reconciled at the same time
 * @param managementPort port of /healthz, /readyz and /metrics
 * @param logLevel root log level
 * @param serverSideApply whether children are applied with server-side apply (always true in a real
 *     cluster; fabric8's mock API server, used in tests, does not implement it)
 * @param resyncInterval how often each EchoService is reconciled when nothing changed
 */
public record OperatorConfig(
    Set<String> watchNamespaces,
    String echoServerImage,
    boolean leaderElectionEnabled,
    String leaseName,
    Optional<String> leaseNamespace,
    int reconcileConcurrency,
    int managementPort,
    String logLevel,
    boolean serverSideApply,
    Duration resyncInterval,
    String bindAddress) {

  static final Duration MIN_RESYNC = Duration.ofSeconds(10);
  static final Duration MAX_RESYNC = Duration.ofHours(168);

  /** The default resync interval (java-operator-sdk's, as controller-runtime's sync period). */
  public static final Duration DEFAULT_RESYNC =
      GoDuration.parse(Variable.RESYNC_INTERVAL.defaultValue, MAX_RESYNC);

  /** A configuration with the default resync interval. */
  public OperatorConfig(
      Set<String> watchNamespaces,
      String echoServerImage,
      boolean leaderElectionEnabled,
      String leaseName,
      Optional<String> leaseNamespace,
      int reconcileConcurrency,
      int managementPort,
      String logLevel,
      boolean serverSideApply) {
    this(
        watchNamespaces,
        echoServerImage,
        leaderElectionEnabled,
        leaseName,
        leaseNamespace,
        reconcileConcurrency,
        managementPort,
        logLevel,
        serverSideApply,
        DEFAULT_RESYNC,
        DEFAULT_BIND_ADDRESS);
  }

  /** Every interface: in a pod, the kubelet's probes and Prometheus reach the management port. */
  public static final String DEFAULT_BIND_ADDRESS = Variable.BIND_ADDRESS.defaultValue;

  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  public static final String IMAGE_REPOSITORY = "ghcr.io/echo-platform/echo-server";
  public static final String SERVICE_ACCOUNT_NAMESPACE_FILE =
      "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

  /**
   * The operator's environment: every variable it reads, with what {@code --help} says of it.
   * {@link #fromEnvironment} reads them through {@link #read} only, and the help is printed from
   * this table, so a variable cannot be read without being documented (OperatorConfigTest checks
   * both ways).
   */
  public enum Variable {
    WATCH_NAMESPACES("comma-separated namespaces to watch; empty = all namespaces", "empty"),
    ECHO_SERVER_IMAGE(
        "image for EchoServices that set no spec.image", IMAGE_REPOSITORY + ":<version>"),
    LEADER_ELECTION_ENABLED("true|false: elect one active replica through a Lease", "true"),
    LEADER_ELECTION_LEASE_NAME("name of the Lease", "echo-operator-leader"),
    LEADER_ELECTION_NAMESPACE(
        "namespace of the Lease", "POD_NAMESPACE, else the in-cluster service-account namespace"),
    POD_NAMESPACE("the pod's namespace, which the chart sets from the downward API", "none"),
    RECONCILE_CONCURRENCY("EchoServices reconciled in parallel", "10", 1, 1000),
    MANAGEMENT_PORT("port of /healthz, /readyz and /metrics", "8081", 1, 65535),
    BIND_ADDRESS(
        "IP address the management port listens on: 0.0.0.0 is every interface, 127.0.0.1 for a"
            + " local process",
        "0.0.0.0"),
    LOG_LEVEL("trace|debug|info|warn|error; logs are JSON lines", "info"),
    RESYNC_INTERVAL(
        "how often every EchoService is reconciled even when nothing changed, a Go duration from"
            + " 10s to 168h; an unchanged EchoService costs no write",
        "10h");

    private final String help;

    /**
     * As --help shows it; where it is a value (not a description, as for the namespaces) it is the
     * one {@link #fromEnvironment} takes when the variable is unset.
     */
    private final String defaultValue;

    /** Bounds of an integer variable (help and parsing both take them from here). */
    private final int min;

    private final int max;

    Variable(String help, String defaultValue) {
      this(help, defaultValue, 0, 0);
    }

    Variable(String help, String defaultValue, int min, int max) {
      this.help = min == max ? help : help + ", an integer from " + min + " to " + max;
      this.defaultValue = defaultValue;
      this.min = min;
      this.max = max;
    }

    /** The value, trimmed; empty when unset. */
    public String read(Map<String, String> env) {
      String v = env.get(name());
      return v == null ? "" : v.trim();
    }

    /** This variable's lines of {@code --help}: name, text and default, wrapped at 110 columns. */
    String helpLines() {
      String text =
          help + " (default: " + defaultValue.replace("<version>", operatorVersion()) + ")";
      StringBuilder out = new StringBuilder();
      StringBuilder line = new StringBuilder("  " + "%-28s".formatted(name()));
      for (String word : text.split(" ")) {
        if (line.length() + 1 + word.length() > 110 && line.length() > 30) {
          out.append(line.toString().stripTrailing()).append('\n');
          line = new StringBuilder(" ".repeat(30));
        }
        line.append(line.length() == 30 ? "" : " ").append(word);
      }
      return out.append(line).append('\n').toString();
    }
  }

  private static final String USAGE =
      """
      echo-operator %s - reconciles EchoService resources (echo.platform.dev/v1alpha1).

      Usage: java -jar echo-operator.jar [--help | --version]
             java -jar echo-operator.jar --render FILE|-   check the EchoServices in FILE (YAML) against
                                                          the CRD as the API server would, then print
                                                          the children the operator would apply

      Connects to the cluster of the current kubeconfig, or the in-cluster service account.
      Configuration (environment variables):
      """;

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  /** The operator's own version, from a resource filtered at build time. */
  public static String operatorVersion() {
    return buildProperty("version");
  }

  /**
   * The source revision the operator was built from ({@code unknown} when the build was not told).
   */
  public static String operatorRevision() {
    return buildProperty("revision");
  }

  private static String buildProperty(String name) {
    try (InputStream in =
        OperatorConfig.class.getResourceAsStream("/echo-operator-version.properties")) {
      if (in == null) {
        throw new IllegalStateException("echo-operator-version.properties missing from the jar");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String defaultImage() {
    return IMAGE_REPOSITORY + ":" + operatorVersion();
  }

  public static String help() {
    StringBuilder help = new StringBuilder(USAGE.formatted(operatorVersion()));
    for (Variable v : Variable.values()) {
      help.append(v.helpLines());
    }
    return help.toString();
  }

  public static OperatorConfig fromEnvironment() {
    return fromEnvironment(System.getenv(), OperatorConfig::readServiceAccountNamespace);
  }

  /**
   * Reads and validates the configuration.
   *
   * @throws IllegalArgumentException naming the variable when a value is invalid
   */
  public static OperatorConfig fromEnvironment(
      Map<String, String> env, Function<Path, Optional<String>> serviceAccountNamespace) {
    Set<String> namespaces = new TreeSet<>();
    String watch = Variable.WATCH_NAMESPACES.read(env);
    if (!watch.isEmpty()) {
      for (String ns : watch.split(",")) {
        String n = ns.trim();
        if (n.isEmpty()) {
          continue;
        }
        if (!DNS_LABEL.matcher(n).matches()) {
          throw invalid(
              Variable.WATCH_NAMESPACES, watch, "'" + n + "' is not a valid namespace name");
        }
        namespaces.add(n);
      }
    }
    String image = Variable.ECHO_SERVER_IMAGE.read(env);
    if (image.isEmpty()) {
      image = defaultImage();
    } else if (image.chars().anyMatch(Character::isWhitespace)) {
      throw invalid(Variable.ECHO_SERVER_IMAGE, image, "an image reference contains no whitespace");
    }
    boolean leaderElection = bool(env, Variable.LEADER_ELECTION_ENABLED);
    String leaseName = Variable.LEADER_ELECTION_LEASE_NAME.read(env);
    if (leaseName.isEmpty()) {
      leaseName = Variable.LEADER_ELECTION_LEASE_NAME.defaultValue;
    } else if (!DNS_SUBDOMAIN.matcher(leaseName).matches()) {
      throw invalid(Variable.LEADER_ELECTION_LEASE_NAME, leaseName, "not a valid Lease name");
    }
    Optional<String> leaseNamespace =
        Optional.of(Variable.LEADER_ELECTION_NAMESPACE.read(env))
            .filter(s -> !s.isEmpty())
            .or(() -> Optional.of(Variable.POD_NAMESPACE.read(env)).filter(s -> !s.isEmpty()))
            .or(() -> serviceAccountNamespace.apply(Path.of(SERVICE_ACCOUNT_NAMESPACE_FILE)));
    if (leaseNamespace.isPresent() && !DNS_LABEL.matcher(leaseNamespace.get()).matches()) {
      throw invalid(
          Variable.LEADER_ELECTION_NAMESPACE, leaseNamespace.get(), "not a valid namespace name");
    }
    if (leaderElection && leaseNamespace.isEmpty()) {
      throw new IllegalArgumentException(
          "LEADER_ELECTION_NAMESPACE is not set and neither POD_NAMESPACE nor the in-cluster "
              + "service-account namespace is available; set LEADER_ELECTION_NAMESPACE or "
              + "LEADER_ELECTION_ENABLED=false");
    }
    int concurrency = integer(env, Variable.RECONCILE_CONCURRENCY);
    int port = integer(env, Variable.MANAGEMENT_PORT);
    String logLevel = Variable.LOG_LEVEL.read(env).toLowerCase(Locale.ROOT);
    if (logLevel.isEmpty()) {
      logLevel = Variable.LOG_LEVEL.defaultValue;
    } else if (!LOG_LEVELS.contains(logLevel)) {
      throw invalid(Variable.LOG_LEVEL, logLevel, "expected one of " + new TreeSet<>(LOG_LEVELS));
    }
    String bindAddress = Variable.BIND_ADDRESS.read(env);
    if (bindAddress.isEmpty()) {
      bindAddress = DEFAULT_BIND_ADDRESS;
    } else if (!IPV4.matcher(bindAddress).matches() && !isIpv6Literal(bindAddress)) {
      throw invalid(
          Variable.BIND_ADDRESS,
          bindAddress,
          "expected an IPv4 or IPv6 address literal, e.g. 127.0.0.1");
    }
    Duration resync = DEFAULT_RESYNC;
    String resyncText = Variable.RESYNC_INTERVAL.read(env);
    if (!resyncText.isEmpty()) {
      String accepted = "expected a Go duration from 10s to 168h, e.g. 30m or 10h";
      try {
        resync = GoDuration.parse(resyncText, MAX_RESYNC);
      } catch (IllegalArgumentException e) {
        throw invalid(Variable.RESYNC_INTERVAL, resyncText, accepted);
      }
      if (resync.compareTo(MIN_RESYNC) < 0 || resync.compareTo(MAX_RESYNC) > 0) {
        throw invalid(Variable.RESYNC_INTERVAL, resyncText, accepted);
      }
    }
    return new OperatorConfig(
        Set.copyOf(namespaces),
        image,
        leaderElection,
        leaseName,
        leaseNamespace,
        concurrency,
        port,
        logLevel,
        true,
        resync,
        bindAddress);
  }

  /** A literal only: never a name, so that no value is ever looked up in DNS. */
  private static boolean isIpv6Literal(String text) {
    if (!IPV6.matcher(text).matches()) {
      return false;
    }
    try {
      return java.net.InetAddress.getByName(text) instanceof java.net.Inet6Address;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  static Optional<String> readServiceAccountNamespace(Path file) {
    try {
      return Files.isReadable(file) ? Optional.of(Files.readString(file).trim()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean bool(Map<String, String> env, Variable name) {
    String v = name.read(env).toLowerCase(Locale.ROOT);
    if (v.isEmpty()) {
      v = name.defaultValue;
    }
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw invalid(name, v, "expected true or false");
    };
  }

  private static int integer(Map<String, String> env, Variable name) {
    int min = name.min;
    int max = name.max;
    String v = name.read(env);
    if (v.isEmpty()) {
      return Integer.parseInt(name.defaultValue);
    }
    int value;
    try {
      value = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw invalid(name, v, "expected an integer from " + min + " to " + max);
    }
    if (value < min || value > max) {
      throw invalid(name, v, "expected an integer from " + min + " to " + max);
    }
    return value;
  }

  private static IllegalArgumentException invalid(Variable name, String value, String why) {
    return new IllegalArgumentException("invalid " + name + "='" + value + "': " + why);
  }

  /** The same configuration with server-side apply switched off (for the mock API server). */
  public OperatorConfig withServerSideApply(boolean ssa) {
    return new OperatorConfig(
        watchNamespaces,
        echoServerImage,
        leaderElectionEnabled,
        leaseName,
        leaseNamespace,
        reconcileConcurrency,
        managementPort,
        logLevel,
        ssa,
        resyncInterval,
        bindAddress);
  }

  @Override
  public String toString() {
    return "OperatorConfig[watchNamespaces="
        + (watchNamespaces.isEmpty() ? "(all)" : watchNamespaces)
        + ", echoServerImage="
        + echoServerImage
        + ", leaderElection="
        + leaderElectionEnabled
        + ", lease="
        + leaseNamespace.orElse("?")
        + "/"
        + leaseName
        + ", reconcileConcurrency="
        + reconcileConcurrency
        + ", management="
        + bindAddress
        + ":"
        + managementPort
        + ", logLevel="
        + logLevel
        + ", resyncInterval="
        + resyncInterval
        + "]";
  }
}
