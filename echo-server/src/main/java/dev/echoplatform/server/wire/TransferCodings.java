package dev.echoplatform.server.wire;

import java.nio.charset.StandardCharsets;

/** The Transfer-Encoding rules of RFC 9112 §6.1 and §7 for a request. */
final class TransferCodings {

  private TransferCodings() {}

  /**
   * Checks a Transfer-Encoding list (lower-case, field lines joined with commas).
   *
   * <ul>
   *   <li>{@code chunked} must be the final coding, else the body length cannot be determined: 400
   *       (§6.3 item 4).
   *   <li>{@code chunked} must not be applied more than once (§7.1): 400.
   *   <li>Any other coding (gzip, deflate, compress, ...) is not implemented by this server: 501
   *       (§6.1).
   * </ul>
   */
  static Violation check(byte[] value, int length, String method, String target) {
    String list = new String(value, 0, length, StandardCharsets.ISO_8859_1);
    String[] items = list.split(",", -1);
    String last = null;
    int chunked = 0;
    String unsupported = null;
    for (String raw : items) {
      String item = raw.strip();
      if (item.isEmpty()) {
        continue; // empty list elements are ignored (RFC 9110 §5.6.1)
      }
      int semicolon = item.indexOf(';');
      String coding = (semicolon < 0 ? item : item.substring(0, semicolon)).strip();
      if (coding.isEmpty() || !coding.chars().allMatch(c -> Chars.isTchar((byte) c))) {
        return new Violation(
            400, Violation.Kind.BAD_REQUEST, "malformed Transfer-Encoding", method, target);
      }
      if (coding.equals("chunked")) {
        if (semicolon >= 0) {
          return new Violation(
              400,
              Violation.Kind.BAD_REQUEST,
              "the chunked transfer coding takes no parameters",
              method,
              target);
        }
        chunked++;
      } else if (unsupported == null) {
        unsupported = coding;
      }
      last = coding;
    }
    if (last == null) {
      return new Violation(
          400, Violation.Kind.BAD_REQUEST, "empty Transfer-Encoding", method, target);
    }
    if (!last.equals("chunked")) {
      return new Violation(
          400,
          Violation.Kind.BAD_REQUEST,
          "Transfer-Encoding must end with chunked, otherwise the body length cannot be determined",
          method,
          target);
    }
    if (chunked > 1) {
      return new Violation(
          400,
          Violation.Kind.BAD_REQUEST,
          "chunked is applied more than once in Transfer-Encoding",
          method,
          target);
    }
    if (unsupported != null) {
      return new Violation(
          501,
          Violation.Kind.NOT_IMPLEMENTED,
          "transfer coding "
              + (unsupported.length() > 40 ? unsupported.substring(0, 40) + "..." : unsupported)
              + " is not supported; only chunked is",
          method,
          target);
    }
    return null;
  }
}
