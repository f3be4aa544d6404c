package dev.echoplatform.operator.api.v1alpha1;

/**
 * Schema patterns shared by the API types (kept in one place so docs and tests can refer to them).
 */
public final class Patterns {

  /**
   * A Go duration as accepted by echo-server: {@code 250ms}, {@code 5s}, {@code 1m30s}, or bare
   * {@code 0}.
   */
  public static final String GO_DURATION = "^(0|([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$";

  /**
   * CEL rules for a quantity given as a number or a string, as a Pod takes it: what Kubernetes
   * parses as a quantity ({@code isQuantity}), and not negative.
   */
  public static final String QUANTITY_RULE_CPU =
      "(isQuantity(string(self.cpu)) && quantity(string(self.cpu)).compareTo(quantity('0')) >= 0)";

  public static final String QUANTITY_RULE_MEMORY =
      "(isQuantity(string(self.memory)) && quantity(string(self.memory)).compareTo(quantity('0')) >= 0)";

  /** Message of the quantity rules. */
  public static final String QUANTITY_MESSAGE =
      "must be a Kubernetes quantity of at least 0, such as 2, 500m, \"0.5\", 64Mi or 1Gi";

  private static final String IPV4_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

  /**
   * An IPv4 CIDR (octets 0-255 without leading zeros, prefix 0-32) or an IPv6 CIDR (with a colon,
   * prefix 0-128; the rest of the IPv6 address's syntax is left to the consumer).
   */
  public static final String CIDR =
      "^(("
          + IPV4_OCTET
          + "\\.){3}"
          + IPV4_OCTET
          + "/(3[0-2]|[12]?[0-9])"
          + "|[0-9a-fA-F.]*:[0-9a-fA-F:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$";

  /** Message of the CIDR list rules. */
  public static final String CIDR_MESSAGE =
      "entries must each be a CIDR such as 10.0.0.0/8 or fd00::/8"
          + " (an IPv4 prefix of at most 32 bits, an IPv6 prefix of at most 128)";

  private Patterns() {}
}
