package dev.echoplatform.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Parses IP address literals without ever resolving a host name ({@link InetAddress#getByName}
 * would query DNS for anything that is not a literal, which must never happen for a value taken
 * from a request header).
 */
public final class IpLiterals {

  private IpLiterals() {}

  /**
   * @return the address, or {@code null} when {@code text} is not an IPv4 dotted quad or an IPv6
   *     literal
   */
  public static InetAddress parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 45) {
      return null;
    }
    String t = text;
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    try {
      if (t.indexOf(':') < 0) {
        byte[] v4 = parseIpv4(t);
        return v4 == null ? null : InetAddress.getByAddress(v4);
      }
      for (int i = 0; i < t.length(); i++) {
        char c = t.charAt(i);
        boolean ok =
            c == ':'
                || c == '.'
                || (c >= '0' && c <= '9')
                || (c >= 'a' && c <= 'f')
                || (c >= 'A' && c <= 'F');
        if (!ok) {
          return null; // zone ids and anything else are refused
        }
      }
      // Only hex digits, ':' and '.': InetAddress treats this as an IPv6 literal and never does a
      // lookup.
      return InetAddress.getByName(t);
    } catch (UnknownHostException | RuntimeException e) {
      return null;
    }
  }

  private static byte[] parseIpv4(String t) {
    byte[] out = new byte[4];
    int part = 0;
    int value = -1;
    int digits = 0;
    for (int i = 0; i <= t.length(); i++) {
      char c = i < t.length() ? t.charAt(i) : '.';
      if (c == '.') {
        if (value < 0 || part > 3) {
          return null;
        }
        out[part++] = (byte) value;
        value = -1;
        digits = 0;
      } else if (c >= '0' && c <= '9') {
        if (digits > 0 && value == 0) {
          return null; // leading zeros are ambiguous (octal in some parsers)
        }
        value = (value < 0 ? 0 : value * 10) + (c - '0');
        if (++digits > 3 || value > 255) {
          return null;
        }
      } else {
        return null;
      }
    }
    return part == 4 ? out : null;
  }
}
