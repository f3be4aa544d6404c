package dev.echoplatform.server.wire;

import dev.echoplatform.config.IpLiterals;
import java.net.Inet6Address;

/**
 * The Host header's grammar (RFC 9110 §7.2: {@code Host = uri-host [ ":" port ]}, RFC 3986
 * §3.2.2–3.2.3), checked when the header section is complete. It is at least as strict as
 * Undertow's own check, which would otherwise answer a bare 400 of its own.
 */
final class Hosts {

  private Hosts() {}

  /**
   * @param host the Host value (OWS removed)
   * @param targetAuthority the authority of an absolute-form request target, or {@code null}
   * @return what is wrong with it, or {@code null}
   */
  static String problem(String host, String targetAuthority) {
    String uriHost = host;
    String port = null;
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      if (close < 0) {
        return "malformed Host header: '[' without ']'";
      }
      uriHost = host.substring(0, close + 1);
      String rest = host.substring(close + 1);
      if (!rest.isEmpty()) {
        if (rest.charAt(0) != ':') {
          return "malformed Host header: unexpected characters after the IP literal";
        }
        port = rest.substring(1);
      }
      String literal = uriHost.substring(1, uriHost.length() - 1);
      String ipProblem = ipLiteralProblem(literal);
      if (ipProblem != null) {
        return ipProblem;
      }
    } else {
      int colon = host.indexOf(':');
      if (colon >= 0) {
        uriHost = host.substring(0, colon);
        port = host.substring(colon + 1);
      }
      String nameProblem = regNameProblem(uriHost);
      if (nameProblem != null) {
        return nameProblem;
      }
    }
    if (port != null) {
      if (port.isEmpty()
          || port.length() > 5
          || !port.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(port) < 1
          || Integer.parseInt(port) > 65535) {
        return "malformed Host header: the port must be a number from 1 to 65535";
      }
    }
    if (targetAuthority != null) {
      // RFC 9112 §3.2.2: the target's authority is what counts. Host must repeat it exactly (the
      // same bytes,
      // port included): stricter than Undertow's own check, which would otherwise answer by itself.
      if (targetAuthority.indexOf('@') >= 0) {
        return "a request target must not carry user information";
      }
      if (host.isEmpty() || !host.equals(targetAuthority)) {
        return "the Host header does not match the authority of the request target";
      }
    }
    return null;
  }

  /** reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4 addresses are reg-names too. */
  private static String regNameProblem(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '%') {
        if (i + 2 >= name.length()
            || Character.digit(name.charAt(i + 1), 16) < 0
            || Character.digit(name.charAt(i + 2), 16) < 0) {
          return "malformed Host header: '%' must be followed by two hex digits";
        }
        i += 2;
      } else if (!isUnreservedOrSubDelim(c)) {
        return "malformed Host header: invalid character " + Chars.describe((byte) c);
      }
    }
    return null;
  }

  /**
   * IP-literal = "[" ( IPv6address / IPvFuture ) "]"; IPvFuture = "v" 1*HEXDIG "." 1*( unreserved /
   * sub-delims / ":" ).
   */
  private static String ipLiteralProblem(String literal) {
    if (literal.startsWith("v") || literal.startsWith("V")) {
      int dot = literal.indexOf('.');
      if (dot < 2 || dot == literal.length() - 1) {
        return "malformed Host header: invalid IP literal";
      }
      for (int i = 1; i < dot; i++) {
        if (Character.digit(literal.charAt(i), 16) < 0) {
          return "malformed Host header: invalid IP literal";
        }
      }
      for (int i = dot + 1; i < literal.length(); i++) {
        char c = literal.charAt(i);
        if (c != ':' && !isUnreservedOrSubDelim(c)) {
          return "malformed Host header: invalid IP literal";
        }
      }
      return null;
    }
    return IpLiterals.parse(literal) instanceof Inet6Address
        ? null
        : "malformed Host header: invalid IPv6 address";
  }

  private static boolean isUnreservedOrSubDelim(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=".indexOf(c) >= 0;
  }
}
