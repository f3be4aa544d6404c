package dev.echoplatform.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Parses durations written in Go's {@code time.ParseDuration} syntax: a sequence of decimal
 * numbers, each with an optional fraction and a required unit ({@code ns}, {@code us}/{@code
 * µs}/{@code μs}, {@code ms}, {@code s}, {@code m}, {@code h}), for example {@code 250ms}, {@code
 * 5s}, {@code 1m30s}, {@code 1.5h}. A bare {@code 0} is allowed; any other number without a unit is
 * not. Negative durations are rejected because no setting of this server accepts one.
 */
public final class GoDuration {

  /**
   * Upper bound accepted for any duration; timeouts are handed to the network layer as int
   * milliseconds.
   */
  public static final Duration MAX = Duration.ofHours(24);

  /** {@link #MAX} as the settings' help, the CRD's rules and their messages write it. */
  public static final String MAX_TEXT = "24h";

  private GoDuration() {}

  /**
   * @throws IllegalArgumentException with a short reason when {@code text} is not a valid
   *     non-negative Go duration of at most {@link #MAX}
   */
  public static Duration parse(String text) {
    return parse(text, MAX);
  }

  /**
   * The same grammar with another upper bound (the operator's resync interval may be a week).
   *
   * @throws IllegalArgumentException with a short reason when {@code text} is not a valid
   *     non-negative Go duration of at most {@code max}
   */
  public static Duration parse(String text, Duration max) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    String s = text;
    if (s.charAt(0) == '+') {
      s = s.substring(1);
    } else if (s.charAt(0) == '-') {
      throw new IllegalArgumentException("negative duration");
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("missing number");
    }
    BigDecimal totalNanos = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      String intPart = s.substring(start, i);
      String fracPart = "";
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int fracStart = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
          i++;
        }
        fracPart = s.substring(fracStart, i);
      }
      if (intPart.isEmpty() && fracPart.isEmpty()) {
        throw new IllegalArgumentException("expected a number at position " + start);
      }
      BigDecimal number =
          new BigDecimal(
              (intPart.isEmpty() ? "0" : intPart) + "." + (fracPart.isEmpty() ? "0" : fracPart));
      int unitStart = i;
      while (i < s.length() && s.charAt(i) != '.' && !(s.charAt(i) >= '0' && s.charAt(i) <= '9')) {
        i++;
      }
      String unit = s.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw new IllegalArgumentException("missing unit after " + s.substring(start, unitStart));
      }
      totalNanos = totalNanos.add(number.multiply(BigDecimal.valueOf(nanosPer(unit))));
      if (totalNanos.compareTo(BigDecimal.valueOf(max.toNanos())) > 0) {
        throw new IllegalArgumentException("longer than " + format(max));
      }
    }
    return Duration.ofNanos(totalNanos.longValue());
  }

  private static long nanosPer(String unit) {
    switch (unit) {
      case "ns":
        return 1L;
      case "us":
      case "\u00b5s": // micro sign
      case "\u03bcs": // Greek small letter mu
        return 1_000L;
      case "ms":
        return 1_000_000L;
      case "s":
        return 1_000_000_000L;
      case "m":
        return 60_000_000_000L;
      case "h":
        return 3_600_000_000_000L;
      default:
        throw new IllegalArgumentException("unknown unit \"" + unit + "\"");
    }
  }

  /**
   * Formats a duration the way Go prints it, for messages and {@code --help}: {@code 5s}, {@code
   * 1m30s}, {@code 250ms}.
   */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    long nanos = d.toNanos();
    if (nanos < 1_000_000_000L) {
      if (nanos % 1_000_000L == 0) {
        return nanos / 1_000_000L + "ms";
      }
      if (nanos % 1_000L == 0) {
        return nanos / 1_000L + "us";
      }
      return nanos + "ns";
    }
    StringBuilder out = new StringBuilder();
    long hours = d.toHours();
    long minutes = d.toMinutesPart();
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    long secNanos = nanos % 60_000_000_000L;
    BigDecimal seconds = BigDecimal.valueOf(secNanos, 9).stripTrailingZeros();
    out.append(seconds.scale() <= 0 ? seconds.toBigInteger().toString() : seconds.toPlainString())
        .append('s');
    return out.toString();
  }
}
