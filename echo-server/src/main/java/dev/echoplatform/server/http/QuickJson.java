package dev.echoplatform.server.http;

/**
 * A one-pass recogniser of the bodies {@link JsonValidator} accepts, in front of its full check: it
 * says {@link Verdict#VALID} only for input that is exactly one JSON object (RFC 8259, nothing
 * else: no comments, no single quotes, no leading zeros, no trailing commas, no unescaped control
 * characters, no bytes outside strings but the JSON ones) within the validator's limits, and {@link
 * Verdict#UNSURE} for anything else, including much that is valid but rare (deep nesting, long
 * numbers or member names, DEL); the full check, with its exact messages, then decides. So it can
 * only spare the full check's work, never accept what the full check refuses.
 *
 * <p>Bytes from 0x80 up are allowed only inside strings, and make the verdict {@link
 * Verdict#VALID_IF_UTF8}: the body is valid exactly when it is also well-formed UTF-8 (the check
 * the full path starts with). Like {@link Utf8.Checker} it takes the body piece by piece ({@link
 * #feed}, then {@link #finish}), a token may span pieces, and it keeps a few counters and one bit
 * per open bracket, nothing of the input.
 */
final class QuickJson {

  enum Verdict {
    VALID,
    VALID_IF_UTF8,
    UNSURE
  }

  /**
   * Longest number token said VALID (the full check allows {@value
   * JsonValidator#MAX_NUMBER_LENGTH}).
   */
  static final int MAX_NUMBER = 100;

  /**
   * Longest member name, in bytes, said VALID (the full check counts characters: never more than
   * bytes).
   */
  static final int MAX_NAME = JsonValidator.MAX_NAME_LENGTH;

  private static final int START = 0;
  private static final int OBJECT_FIRST = 1; // after '{': a name or '}'
  private static final int NAME = 2; // after ',' in an object: a name
  private static final int COLON = 3;
  private static final int VALUE = 4;
  private static final int ARRAY_FIRST = 5; // after '[': a value or ']'
  private static final int AFTER_VALUE = 6;
  private static final int STRING = 7;
  private static final int ESCAPE = 8;
  private static final int UNICODE = 9;
  private static final int MINUS = 10; // after '-': a digit
  private static final int ZERO = 11; // a leading 0: '.', an exponent or the end
  private static final int INT = 12;
  private static final int FRACTION_START = 13; // after '.': a digit
  private static final int FRACTION = 14;
  private static final int EXPONENT_START = 15; // after 'e': a sign or a digit
  private static final int EXPONENT_SIGN = 16; // after the sign: a digit
  private static final int EXPONENT = 17;
  private static final int LITERAL = 18;
  private static final int TRAILING = 19; // the object is closed: whitespace only
  private static final int FAILED = 20;

  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  private final int maxDepth;

  /** One bit per open bracket, 1 for an object: which closer is due. */
  private final long[] objects;

  private int depth;
  private int state = START;
  private boolean name;
  private int tokenLength;
  private int hexLeft;
  private byte[] literal;
  private int literalAt;
  private boolean nonAscii;

  QuickJson(int maxDepth) {
    this.maxDepth = maxDepth;
    this.objects = new long[(maxDepth >> 6) + 1];
  }

  /**
   * Reads {@code b[from, to)}; false once the verdict is {@link Verdict#UNSURE} (the rest need not
   * be fed).
   */
  boolean feed(byte[] b, int from, int to) {
    int i = from;
    int s = state;
    while (i < to) {
      int c = b[i] & 0xFF;
      switch (s) {
        case STRING -> {
          // The bulk of a body: plain string bytes, until a quote, a backslash, a control byte, DEL
          // or a
          // byte from 0x80 up.
          int start = i;
          while (c >= 0x20 && c != '"' && c != '\\' && c < 0x7F) {
            if (++i == to) {
              break;
            }
            c = b[i] & 0xFF;
          }
          tokenLength += i - start;
          if (i == to) {
            continue;
          }
          if (c == '"') {
            if (name && tokenLength > MAX_NAME) {
              return fail();
            }
            s = name ? COLON : AFTER_VALUE;
          } else if (c == '\\') {
            s = ESCAPE;
          } else if (c >= 0x80) {
            nonAscii = true;
            tokenLength++;
          } else {
            return fail(); // a control byte or DEL
          }
        }
        case ESCAPE -> {
          if (c == 'u') {
            hexLeft = 4;
            s = UNICODE;
          } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n'
              || c == 'r' || c == 't') {
            s = STRING;
          } else {
            return fail();
          }
          tokenLength++;
        }
        case UNICODE -> {
          if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return fail();
          }
          if (--hexLeft == 0) {
            s = STRING;
          }
          tokenLength++;
        }
        case AFTER_VALUE -> {
          if (c == ',') {
            s = inObject() ? NAME : VALUE;
          } else if (c == '}' || c == ']') {
            if (c == '}' != inObject()) {
              return fail();
            }
            depth--;
            s = depth == 0 ? TRAILING : AFTER_VALUE;
          } else if (!whitespace(c)) {
            return fail();
          }
        }
        case VALUE, ARRAY_FIRST -> {
          if (c == ']' && s == ARRAY_FIRST) {
            depth--;
            s = AFTER_VALUE; // an array is never the root
          } else if (!whitespace(c)) {
            s = beginValue(c);
            if (s == FAILED) {
              return fail();
            }
          }
        }
        case OBJECT_FIRST, NAME -> {
          if (c == '"') {
            name = true;
            tokenLength = 0;
            s = STRING;
          } else if (c == '}' && s == OBJECT_FIRST) {
            depth--;
            s = depth == 0 ? TRAILING : AFTER_VALUE;
          } else if (!whitespace(c)) {
            return fail();
          }
        }
        case COLON -> {
          if (c == ':') {
            s = VALUE;
          } else if (!whitespace(c)) {
            return fail();
          }
        }
        case MINUS, FRACTION_START, EXPONENT_SIGN -> {
          if (c < '0' || c > '9') {
            return fail();
          }
          s = s == MINUS ? (c == '0' ? ZERO : INT) : s == FRACTION_START ? FRACTION : EXPONENT;
          if (++tokenLength > MAX_NUMBER) {
            return fail();
          }
        }
        case ZERO, INT, FRACTION, EXPONENT -> {
          if (c >= '0' && c <= '9' && s != ZERO) {
            // another digit
          } else if (c == '.' && (s == ZERO || s == INT)) {
            s = FRACTION_START;
          } else if ((c == 'e' || c == 'E') && s != EXPONENT) {
            s = EXPONENT_START;
          } else {
            s = AFTER_VALUE; // the number ended: this byte must be a delimiter
            continue;
          }
          if (++tokenLength > MAX_NUMBER) {
            return fail();
          }
        }
        case EXPONENT_START -> {
          if (c == '+' || c == '-') {
            s = EXPONENT_SIGN;
          } else if (c >= '0' && c <= '9') {
            s = EXPONENT;
          } else {
            return fail();
          }
          if (++tokenLength > MAX_NUMBER) {
            return fail();
          }
        }
        case LITERAL -> {
          if (c != literal[literalAt]) {
            return fail();
          }
          if (++literalAt == literal.length) {
            s = AFTER_VALUE; // the next byte must be a delimiter ("truex" is not a literal)
          }
        }
        case START -> {
          if (c == '{') {
            if (!open(true)) {
              return fail();
            }
            s = OBJECT_FIRST;
          } else if (!whitespace(c)) {
            return fail();
          }
        }
        case TRAILING -> {
          if (!whitespace(c)) {
            return fail();
          }
        }
        default -> {
          return false;
        }
      }
      i++;
    }
    state = s;
    return true;
  }

  /** The first byte of a value (not whitespace); the next state, or FAILED. */
  private int beginValue(int c) {
    tokenLength = 0;
    switch (c) {
      case '"' -> {
        name = false;
        return STRING;
      }
      case '{' -> {
        return open(true) ? OBJECT_FIRST : FAILED;
      }
      case '[' -> {
        return open(false) ? ARRAY_FIRST : FAILED;
      }
      case '-' -> {
        tokenLength = 1;
        return MINUS;
      }
      case '0' -> {
        tokenLength = 1;
        return ZERO;
      }
      case 't', 'f', 'n' -> {
        literal = c == 't' ? TRUE : c == 'f' ? FALSE : NULL;
        literalAt = 1;
        return LITERAL;
      }
      default -> {
        if (c >= '1' && c <= '9') {
          tokenLength = 1;
          return INT;
        }
        return FAILED;
      }
    }
  }

  private boolean open(boolean object) {
    if (depth == maxDepth) {
      return false; // one deeper than the limit: the full check words the refusal
    }
    int d = depth++;
    if (object) {
      objects[d >> 6] |= 1L << d;
    } else {
      objects[d >> 6] &= ~(1L << d);
    }
    return true;
  }

  private boolean inObject() {
    int d = depth - 1;
    return (objects[d >> 6] & (1L << d)) != 0;
  }

  private static boolean whitespace(int c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  private boolean fail() {
    state = FAILED;
    return false;
  }

  /** The verdict on everything fed. */
  Verdict finish() {
    if (state != TRAILING) {
      return Verdict.UNSURE;
    }
    return nonAscii ? Verdict.VALID_IF_UTF8 : Verdict.VALID;
  }
}
