package dev.echoplatform.server.wire;

/** Character classes of RFC 9110 / RFC 9112 / RFC 3986, on bytes. */
final class Chars {

  private static final boolean[] TCHAR = new boolean[128];
  private static final boolean[] HOST = new boolean[128];

  static {
    // RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
    // "_" / "`" / "|"
    //                        / "~" / DIGIT / ALPHA
    for (char c = '0'; c <= '9'; c++) {
      TCHAR[c] = true;
      HOST[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      TCHAR[c] = true;
      TCHAR[c - 32] = true;
      HOST[c] = true;
      HOST[c - 32] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TCHAR[c] = true;
    }
    // RFC 3986 §3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ), IP-literal in
    // brackets, ":" port.
    for (char c : "-._~!$&'()*+,;=:[]%".toCharArray()) {
      HOST[c] = true;
    }
  }

  private Chars() {}

  static boolean isTchar(byte b) {
    return b >= 0 && TCHAR[b];
  }

  static boolean isHostChar(byte b) {
    return b >= 0 && HOST[b];
  }

  /** unreserved / sub-delims (RFC 3986 §2.2–2.3). */
  static boolean isUnreservedOrSubDelim(byte b) {
    return (b >= 'a' && b <= 'z')
        || (b >= 'A' && b <= 'Z')
        || (b >= '0' && b <= '9')
        || (b > 0 && "-._~!$&'()*+,;=".indexOf(b) >= 0);
  }

  /** pchar without pct-encoded: unreserved / sub-delims / ":" / "@" (RFC 3986 §3.3). */
  static boolean isPchar(byte b) {
    return isUnreservedOrSubDelim(b) || b == ':' || b == '@';
  }

  static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /** field-vchar = VCHAR / obs-text (RFC 9110 §5.5). */
  static boolean isFieldVchar(byte b) {
    int u = b & 0xFF;
    return (u >= 0x21 && u <= 0x7E) || u >= 0x80;
  }

  static byte lower(byte b) {
    return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
  }

  /** A byte for an error message: the character when printable, else its name or hex code. */
  static String describe(byte b) {
    int u = b & 0xFF;
    return switch (u) {
      case '\r' -> "CR";
      case '\n' -> "LF";
      case '\t' -> "TAB";
      case ' ' -> "space";
      case 0 -> "NUL";
      default -> u > 0x20 && u < 0x7F ? "'" + (char) u + "'" : String.format("0x%02X", u);
    };
  }
}
