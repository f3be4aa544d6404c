package dev.echoplatform.server.http;

/** Strict UTF-8 well-formedness check (RFC 3629, Unicode table 3-7) that also refuses NUL bytes. */
final class Utf8 {

  private Utf8() {}

  /**
   * The check over a body that arrives in pieces: {@link #feed} each piece in order, then {@link
   * #finish}. A sequence may be split across pieces.
   */
  static final class Checker {
    private long offset;
    private long leadOffset;
    private int need;
    private int lo = 0x80;
    private int hi = 0xBF;
    private long invalidAt = -1;

    /**
     * @return false once an ill-formed sequence (or NUL) was seen; {@link #invalidAt} tells where
     */
    boolean feed(byte[] b, int from, int to) {
      if (invalidAt >= 0) {
        return false;
      }
      for (int i = from; i < to; i++) {
        int c = b[i];
        if (need == 0 && c > 0) {
          continue; // ASCII other than NUL
        }
        c &= 0xFF;
        if (need > 0) {
          if (c < lo || c > hi) {
            invalidAt = leadOffset;
            return false;
          }
          lo = 0x80;
          hi = 0xBF;
          need--;
          continue;
        }
        leadOffset = offset + (i - from);
        if (c == 0 || c < 0xC2 || c >= 0xF5) {
          invalidAt = leadOffset;
          return false;
        }
        if (c < 0xE0) {
          need = 1;
        } else if (c < 0xF0) {
          need = 2;
          if (c == 0xE0) {
            lo = 0xA0; // overlong
          } else if (c == 0xED) {
            hi = 0x9F; // UTF-16 surrogate
          }
        } else {
          need = 3;
          if (c == 0xF0) {
            lo = 0x90; // overlong
          } else if (c == 0xF4) {
            hi = 0x8F; // above U+10FFFF
          }
        }
      }
      offset += to - from;
      return true;
    }

    /**
     * @return false when the input ended inside a sequence (or was already invalid)
     */
    boolean finish() {
      if (invalidAt < 0 && need > 0) {
        invalidAt = leadOffset;
      }
      return invalidAt < 0;
    }

    long invalidAt() {
      return invalidAt;
    }
  }
}
