package dev.echoplatform.operator;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;

/**
 * A Kubernetes resource quantity (k8s.io/apimachinery resource.Quantity) as an exact decimal,
 * parsed the way {@code resource.ParseQuantity} does: a signed decimal number, then a binary SI
 * suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal
 * exponent (e3, E-2). Like Kubernetes, the value keeps the parser's representation: exact with the
 * number's own scale when it fits the int64 fast path, else rounded up to scale 9 (nano units),
 * binary SI values capped at 2^63-1. The value of the CEL {@code quantity(string)} function.
 */
final class Quantity implements Comparable<Quantity> {

  // The errors resource.ParseQuantity returns, word for word.
  static final String FORMAT_WRONG =
      "quantities must match the regular expression"
          + " '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  static final String BAD_SUFFIX = "unable to parse quantity's suffix";
  static final String BAD_NUMBER = "unable to parse numeric part of quantity";

  private static final Map<String, Integer> DECIMAL_SUFFIXES =
      Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
  private static final Map<String, Integer> BINARY_SUFFIXES =
      Map.of("Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);
  private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);
  private static final int NANO = -9;

  final BigDecimal value;

  Quantity(BigDecimal value) {
    this.value = value;
  }

  /** {@code resource.ParseQuantity}; an IllegalArgumentException with its message otherwise. */
  static Quantity parse(String str) {
    if (str.isEmpty()) {
      throw new IllegalArgumentException(FORMAT_WRONG);
    }
    int end = str.length();
    int pos = 0;
    boolean negative = false;
    if (str.charAt(0) == '-' || str.charAt(0) == '+') {
      negative = str.charAt(0) == '-';
      pos++;
    }
    while (pos < end && str.charAt(pos) == '0') {
      pos++;
    }
    if (pos == end) {
      return new Quantity(BigDecimal.ZERO);
    }
    int numStart = pos;
    pos = digits(str, pos);
    String num = pos == numStart ? "0" : str.substring(numStart, pos);
    String denom = "";
    if (pos < end && str.charAt(pos) == '.') {
      int denomStart = ++pos;
      pos = digits(str, pos);
      denom = str.substring(denomStart, pos);
    }
    String number = str.substring(0, pos);
    int suffixStart = pos;
    while (pos < end && "eEinumkKMGTP".indexOf(str.charAt(pos)) >= 0) {
      pos++;
    }
    if (pos < end && (str.charAt(pos) == '-' || str.charAt(pos) == '+')) {
      pos++;
    }
    if (digits(str, pos) != end) {
      throw new IllegalArgumentException(FORMAT_WRONG);
    }
    String suffix = str.substring(suffixStart);

    int base;
    int exponent;
    if (DECIMAL_SUFFIXES.containsKey(suffix)) {
      base = 10;
      exponent = DECIMAL_SUFFIXES.get(suffix);
    } else if (BINARY_SUFFIXES.containsKey(suffix)) {
      base = 2;
      exponent = BINARY_SUFFIXES.get(suffix);
    } else if (suffix.length() > 1 && (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E')) {
      try {
        base = 10;
        exponent = (int) Long.parseLong(suffix.substring(1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(BAD_SUFFIX);
      }
    } else {
      throw new IllegalArgumentException(BAD_SUFFIX);
    }

    // The parser's exact int64 path: no rounding, no cap.
    int precision =
        base == 10
            ? 18 - (num.length() + denom.length())
            : denom.isEmpty() ? 15 - num.length() - (int) (exponent * 3f / 10) - 1 : -1;
    int scale = (base == 10 ? exponent : 0) - denom.length();
    if (precision >= 0 && scale >= NANO) {
      long shifted;
      try {
        shifted = Long.parseLong(num + denom);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(BAD_NUMBER);
      }
      BigInteger exact = BigInteger.valueOf(shifted).shiftLeft(base == 2 ? exponent : 0);
      if (exact.bitLength() < 64) {
        BigDecimal v = new BigDecimal(exact, -scale);
        return new Quantity(negative ? v.negate() : v);
      }
    }

    BigDecimal amount;
    try {
      amount = new BigDecimal(number).abs();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(BAD_NUMBER);
    }
    amount =
        base == 10
            ? amount.scaleByPowerOfTen(exponent)
            : amount.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(exponent)));
    if (amount.signum() != 0) {
      amount = amount.setScale(-NANO, RoundingMode.UP);
    }
    if (base == 2 && amount.compareTo(MAX) > 0) {
      amount = MAX;
    }
    return new Quantity(negative ? amount.negate() : amount);
  }

  private static int digits(String s, int from) {
    while (from < s.length() && s.charAt(from) >= '0' && s.charAt(from) <= '9') {
      from++;
    }
    return from;
  }

  static boolean isQuantity(String s) {
    try {
      parse(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public int compareTo(Quantity other) {
    return value.compareTo(other.value);
  }

  /** {@code Quantity.AsApproximateFloat64}: the unscaled value times Go's {@code math.Pow10}. */
  double asApproximateFloat() {
    double base = value.unscaledValue().doubleValue();
    int exponent = -value.scale();
    return exponent == 0 ? base : base * pow10(exponent);
  }

  /** Go's {@code math.Pow10}: from its tables of 10^(32k) and 10^k, k < 32. */
  private static double pow10(int n) {
    if (n >= 0 && n <= 308) {
      return Double.parseDouble("1e" + n / 32 * 32) * Double.parseDouble("1e" + n % 32);
    }
    if (n < 0 && n >= -323) {
      return Double.parseDouble("1e-" + -n / 32 * 32) / Double.parseDouble("1e" + -n % 32);
    }
    return n > 0 ? Double.POSITIVE_INFINITY : 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Quantity q && compareTo(q) == 0;
  }

  @Override
  public int hashCode() {
    return value.signum() == 0 ? 0 : value.stripTrailingZeros().hashCode();
  }

  @Override
  public String toString() {
    return value.toPlainString();
  }
}
