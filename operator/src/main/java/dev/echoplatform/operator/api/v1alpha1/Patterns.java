package dev.echoplatform.operator.api.v1alpha1;

/** Schema patterns shared by the API types (kept in one place so docs and tests can refer to them). */
public final class Patterns {

  /** A Go duration as accepted by echo-server: {@code 250ms}, {@code 5s}, {@code 1m30s}, or bare {@code 0}. */
  public static final String GO_DURATION = "^(0|([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$";

  /** A non-negative Kubernetes resource quantity such as {@code 100m}, {@code 0.5}, {@code 64Mi}, {@code 1G}. */
  public static final String QUANTITY =
      "^(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[mkMGTPE]|([eE][+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

  /** An IPv4 or IPv6 CIDR. */
  public static final String CIDR =
      "^(([0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2}|[0-9a-fA-F:.]+/[0-9]{1,3})$";

  private Patterns() {}
}
