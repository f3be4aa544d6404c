package dev.echoplatform.server.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A strict HTTP/1.1 request-stream scanner (RFC 9112), run over every byte a client sends before
 * Undertow parses it.
 *
 * <p>It follows the message framing exactly (request line, field lines, {@code Content-Length} or
 * chunked body, trailer section, next request) and stops at the first byte that is not acceptable,
 * with a {@link Violation} naming the problem and the status to answer. Every part of a request is
 * bounded by a documented constant, so no client can make the server buffer or parse without limit.
 * Undertow only ever sees bytes that passed this scanner, and in the strict subset accepted here
 * Undertow's (laxer) parser and this scanner agree on where each request ends: no proxy in front
 * can be made to disagree with the server about message boundaries (request smuggling).
 *
 * <p>The scanner keeps no request bytes, only counters and the few header values it needs for
 * framing, so its memory is a few hundred bytes per connection whatever the client sends. It is not
 * thread-safe; each connection has its own, driven by the connection's I/O thread.
 */
public final class RequestScanner {

  /**
   * Longest request target (URI); longer: 414 (RFC 9112 §3 recommends supporting at least 8000
   * octets).
   */
  public static final int MAX_TARGET_LENGTH = 8192;

  /** Longest method token; longer: 400. */
  public static final int MAX_METHOD_LENGTH = 32;

  /** Request line plus header field lines, with their CRLFs; more: 431. */
  public static final int MAX_HEADER_SECTION = 16 * 1024;

  /** One header or trailer field line; longer: 431. */
  public static final int MAX_FIELD_LINE = 8 * 1024;

  /** Header field lines per request; more: 431. */
  public static final int MAX_HEADER_FIELDS = 100;

  /** Empty lines ignored before a request line (RFC 9112 §2.2); more: 400. */
  public static final int MAX_LEADING_EMPTY_LINES = 4;

  /** Hex digits of a chunk size, leading zeros included; more: 400. */
  public static final int MAX_CHUNK_SIZE_DIGITS = 16;

  /** Chunk-extension bytes on one chunk line; more: 400. */
  public static final int MAX_CHUNK_EXTENSION = 1024;

  /** Chunk-extension bytes in all the chunk lines of one request; more: 400. */
  public static final int MAX_CHUNK_EXTENSIONS_PER_REQUEST = 16 * 1024;

  /** Trailer field lines per request; more: 431. */
  public static final int MAX_TRAILER_FIELDS = 32;

  /** The whole trailer section, with its CRLFs; more: 431. */
  public static final int MAX_TRAILER_SECTION = 16 * 1024;

  /** Longest Transfer-Encoding value (all field lines together) that is parsed; longer: 400. */
  static final int MAX_TRANSFER_ENCODING = 256;

  /** The stop reasons of {@link #scan}. */
  public enum Result {
    /** Every byte up to the end of the range is acceptable. */
    ACCEPT,
    /**
     * The bytes [{@link #skipFrom()}, {@link #position()}) are ignorable and must not be passed on;
     * call again.
     */
    SKIP,
    /**
     * {@link #position()} is the first byte that must not be passed on; see {@link #violation()}.
     */
    VIOLATION
  }

  private enum State {
    START,
    LEADING_LF,
    METHOD,
    TARGET,
    VERSION,
    REQUEST_LINE_LF,
    FIELD_START,
    FIELD_NAME,
    FIELD_VALUE,
    FIELD_LF,
    HEAD_END_LF,
    BODY_FIXED,
    CHUNK_SIZE,
    CHUNK_EXT,
    CHUNK_SIZE_LF,
    CHUNK_DATA,
    CHUNK_DATA_CR,
    CHUNK_DATA_LF,
    TRAILER_START,
    TRAILER_NAME,
    TRAILER_VALUE,
    TRAILER_LF,
    TRAILER_END_LF,
    FAILED
  }

  /**
   * Field names the framing depends on (lower-case; field names are case-insensitive, RFC 9110
   * §5.1).
   */
  private static final byte[] CONTENT_LENGTH = ascii("content-length");

  private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
  private static final byte[] HOST = ascii("host");
  private static final byte[] CONTENT_TYPE = ascii("content-type");
  private static final int NAME_BUFFER = 24; // longer than any name above

  private static final byte[] VERSION_PREFIX = ascii("HTTP/");

  private State state = State.START;
  private int position;
  private int skipFrom;
  private Violation violation;
  private boolean failedInHead;

  /** Buffer index where the current message began, when that was in this scan's range; else -1. */
  private int messageStart = -1;

  // per message
  private long messages;
  private int leadingEmptyLines;
  private int headBytes;
  private int lineBytes;
  private int fieldCount;
  private final byte[] methodBuffer = new byte[MAX_METHOD_LENGTH];
  private int methodLength;
  private final byte[] targetPrefix = new byte[Violation.MAX_LOGGED_TARGET];
  private int targetLength;
  private TargetPart targetPart = TargetPart.FIRST;
  private final byte[] authority = new byte[MAX_AUTHORITY];
  private int authorityLength;
  private int portDigits;
  private int percentDigits = -1;
  private final byte[] version = new byte[8];
  private int versionLength;
  private boolean http10;
  private final byte[] name = new byte[NAME_BUFFER];
  private int nameLength;
  private Field field;
  private boolean valueStarted;
  private boolean whitespaceAfterValue;
  private int hosts;

  /**
   * The Host value (RFC 3986 limits a host name to 255 bytes; an IP literal and a port fit too).
   */
  private final byte[] hostValue = new byte[300];

  private int hostLength;
  private int contentTypes;
  private int contentLengths;
  private long contentLength = -1;
  private int contentLengthDigits;
  private boolean transferEncoding;
  private byte[] transferEncodingValue;
  private int transferEncodingLength;
  // body
  private long remaining;
  private int chunkDigits;
  private int chunkExtensionBytes;
  private int extensionBytesInMessage;
  private boolean inQuotes;
  private boolean extensionStarted;
  private int trailerBytes;
  private int trailerFields;

  private enum Field {
    OTHER,
    CONTENT_LENGTH,
    TRANSFER_ENCODING,
    HOST,
    CONTENT_TYPE
  }

  /** Stop position of the last {@link #scan} (absolute index in the buffer). */
  public int position() {
    return position;
  }

  /** Start of the ignorable range when {@link #scan} returned {@link Result#SKIP}. */
  public int skipFrom() {
    return skipFrom;
  }

  /**
   * The problem found, once {@link #scan} has returned {@link Result#VIOLATION}; it stays failed
   * afterwards.
   */
  public Violation violation() {
    return violation;
  }

  /**
   * Whether the violation was found in a request line or header section (else in a body or trailer
   * section).
   */
  public boolean failedInHead() {
    return failedInHead;
  }

  /**
   * Where the request being scanned began, when that was in the range of the last {@link #scan};
   * else -1.
   */
  public int messageStart() {
    return messageStart;
  }

  /** Requests whose last byte has been scanned. */
  public long completedMessages() {
    return messages;
  }

  /**
   * Whether the scanner is inside a request line or header section (including before the first byte
   * of one).
   */
  public boolean inHead() {
    return state.ordinal() <= State.HEAD_END_LF.ordinal();
  }

  /**
   * Whether the next byte would begin a new request (nothing of the current one has been scanned).
   */
  public boolean atMessageStart() {
    return state == State.START && leadingEmptyLines == 0;
  }

  /**
   * Scans {@code buf[from, to)} (absolute indices; the buffer's position and limit are not used or
   * changed). Returns at the end of the range, at an ignorable range ({@link Result#SKIP}) or at
   * the first unacceptable byte ({@link Result#VIOLATION}); {@link #position()} tells where.
   */
  public Result scan(ByteBuffer buf, int from, int to) {
    messageStart = -1;
    int i = from;
    while (i < to) {
      switch (state) {
        case START -> {
          byte b = buf.get(i);
          if (b == '\r') {
            // RFC 9112 §2.2: a server SHOULD ignore at least one empty line received before the
            // request line.
            if (++leadingEmptyLines > MAX_LEADING_EMPTY_LINES) {
              return fail(
                  i,
                  400,
                  Violation.Kind.BAD_REQUEST,
                  "more than " + MAX_LEADING_EMPTY_LINES + " empty lines before the request line");
            }
            state = State.LEADING_LF;
            skipFrom = i;
            position = i + 1;
            return Result.SKIP;
          }
          if (b == '\n') {
            return fail(
                i, 400, Violation.Kind.BAD_REQUEST, "a line must end with CRLF, not a bare LF");
          }
          beginMessage();
          messageStart = i;
          state = State.METHOD;
          continue;
        }
        case LEADING_LF -> {
          if (buf.get(i) != '\n') {
            return fail(i, 400, Violation.Kind.BAD_REQUEST, "CR not followed by LF");
          }
          state = State.START;
          skipFrom = i;
          position = i + 1;
          return Result.SKIP;
        }
        case METHOD -> {
          byte b = buf.get(i);
          if (b == ' ') {
            if (methodLength == 0) {
              return fail(
                  i, 400, Violation.Kind.BAD_REQUEST, "request line does not start with a method");
            }
            Violation v = methodProblem();
            if (v != null) {
              return fail(i, v);
            }
            state = State.TARGET;
          } else if (Chars.isTchar(b)) {
            if (methodLength == MAX_METHOD_LENGTH) {
              return fail(
                  i,
                  400,
                  Violation.Kind.BAD_REQUEST,
                  "method is longer than " + MAX_METHOD_LENGTH + " characters");
            }
            methodBuffer[methodLength++] = b;
          } else {
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "malformed request line: invalid character "
                    + Chars.describe(b)
                    + " in the method");
          }
        }
        case TARGET -> {
          byte b = buf.get(i);
          if (b == ' ') {
            Violation v = targetProblemAtEnd();
            if (v != null) {
              return fail(i, v);
            }
            state = State.VERSION;
          } else {
            Violation v = targetByte(b);
            if (v != null) {
              return fail(i, v);
            }
          }
        }
        case VERSION -> {
          // Checked byte by byte: what is passed on must always be the beginning of a valid request
          // line,
          // so that Undertow's parser never meets, and answers by itself, something this one
          // refuses.
          byte b = buf.get(i);
          if (b == '\r' && versionLength == version.length) {
            Violation v = versionProblem();
            if (v != null) {
              return fail(i, v);
            }
            state = State.REQUEST_LINE_LF;
          } else if (b == '\n') {
            return fail(
                i, 400, Violation.Kind.BAD_REQUEST, "a line must end with CRLF, not a bare LF");
          } else if (!versionByteFits(b)) {
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "malformed request line: the HTTP version must be HTTP/1.1 or HTTP/1.0");
          } else {
            version[versionLength++] = b;
          }
        }
        case REQUEST_LINE_LF, FIELD_LF -> {
          if (buf.get(i) != '\n') {
            return fail(i, 400, Violation.Kind.BAD_REQUEST, "CR not followed by LF");
          }
          if (state == State.FIELD_LF) {
            if (++lineBytes > MAX_FIELD_LINE) {
              return fail(
                  i,
                  431,
                  Violation.Kind.HEADERS_TOO_LARGE,
                  "header field " + fieldName() + " larger than " + MAX_FIELD_LINE + " bytes");
            }
            Violation v = endField();
            if (v != null) {
              return fail(i, v);
            }
          }
          state = State.FIELD_START;
          lineBytes = 0;
        }
        case FIELD_START -> {
          byte b = buf.get(i);
          if (b == '\r') {
            state = State.HEAD_END_LF;
          } else if (b == ' ' || b == '\t') {
            // RFC 9112 §5.2: obsolete line folding; a server MAY reject it with 400.
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "header field line folding (a line starting with whitespace) is not allowed");
          } else if (b == '\n') {
            return fail(
                i, 400, Violation.Kind.BAD_REQUEST, "a line must end with CRLF, not a bare LF");
          } else {
            if (++fieldCount > MAX_HEADER_FIELDS) {
              return fail(
                  i,
                  431,
                  Violation.Kind.HEADERS_TOO_LARGE,
                  "more than " + MAX_HEADER_FIELDS + " header fields");
            }
            nameLength = 0;
            field = null;
            state = State.FIELD_NAME;
            continue; // the byte is the first of the name
          }
        }
        case FIELD_NAME, TRAILER_NAME -> {
          byte b = buf.get(i);
          boolean trailer = state == State.TRAILER_NAME;
          if (b == ':') {
            if (nameLength == 0) {
              return fail(
                  i,
                  400,
                  Violation.Kind.BAD_REQUEST,
                  (trailer ? "trailer" : "header") + " field with an empty name");
            }
            field = trailer ? Field.OTHER : fieldOf();
            valueStarted = false;
            whitespaceAfterValue = false;
            contentLengthDigits = 0;
            state = trailer ? State.TRAILER_VALUE : State.FIELD_VALUE;
          } else if (Chars.isTchar(b)) {
            if (nameLength < NAME_BUFFER) {
              name[nameLength] = Chars.lower(b);
            }
            nameLength++;
          } else if (b == ' ' || b == '\t') {
            // RFC 9112 §5.1: no whitespace between field name and colon; a server MUST reject with
            // 400.
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "whitespace in a "
                    + (trailer ? "trailer" : "header")
                    + " field name or before its colon");
          } else {
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "invalid character "
                    + Chars.describe(b)
                    + " in a "
                    + (trailer ? "trailer" : "header")
                    + " field name");
          }
        }
        case FIELD_VALUE, TRAILER_VALUE -> {
          byte b = buf.get(i);
          if (b == '\r') {
            state = state == State.FIELD_VALUE ? State.FIELD_LF : State.TRAILER_LF;
          } else if (b == '\t' || b == ' ' || Chars.isFieldVchar(b)) {
            if (state == State.FIELD_VALUE) {
              Violation v = valueByte(b);
              if (v != null) {
                return fail(i, v);
              }
            }
          } else if (b == '\n') {
            return fail(
                i, 400, Violation.Kind.BAD_REQUEST, "a line must end with CRLF, not a bare LF");
          } else {
            // RFC 9110 §5.5: CR, LF and NUL are never allowed in a field value; other CTLs are
            // rejected too.
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "invalid character "
                    + Chars.describe(b)
                    + " in the value of "
                    + (state == State.FIELD_VALUE ? "header" : "trailer")
                    + " field "
                    + fieldName());
          }
        }
        case HEAD_END_LF -> {
          if (buf.get(i) != '\n') {
            return fail(i, 400, Violation.Kind.BAD_REQUEST, "CR not followed by LF");
          }
          // Report at the CR of the empty line, so the bytes passed on never form a complete header
          // section.
          Violation v = framingProblem();
          if (v != null) {
            return fail(i - 1 >= from ? i - 1 : from, v);
          }
          headBytes = 0;
          startBody();
        }
        case BODY_FIXED -> {
          long take = Math.min(remaining, to - i);
          remaining -= take;
          i += (int) take;
          if (remaining == 0) {
            endMessage();
          }
          continue;
        }
        case CHUNK_SIZE -> {
          byte b = buf.get(i);
          int digit = Character.digit(b, 16);
          if (digit >= 0 && b < 0x80) {
            if (++chunkDigits > MAX_CHUNK_SIZE_DIGITS) {
              return fail(
                  i,
                  400,
                  Violation.Kind.BAD_REQUEST,
                  "chunk size has more than " + MAX_CHUNK_SIZE_DIGITS + " hex digits");
            }
            if (remaining > (Long.MAX_VALUE >> 4)) {
              return fail(i, 400, Violation.Kind.BAD_REQUEST, "chunk size is too large");
            }
            remaining = (remaining << 4) + digit;
          } else if (chunkDigits == 0) {
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "invalid chunk size: expected hex digits, found " + Chars.describe(b));
          } else if (b == '\r') {
            state = State.CHUNK_SIZE_LF;
          } else if (b == ';' || b == ' ' || b == '\t') {
            // RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS
            // chunk-ext-val ] )
            chunkExtensionBytes = 0;
            inQuotes = false;
            extensionStarted = false;
            state = State.CHUNK_EXT;
            continue;
          } else {
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "invalid chunk size: unexpected " + Chars.describe(b) + " after the hex digits");
          }
        }
        case CHUNK_EXT -> {
          byte b = buf.get(i);
          if (b == '\r' && !inQuotes) {
            if (!extensionStarted) {
              return fail(
                  i,
                  400,
                  Violation.Kind.BAD_REQUEST,
                  "invalid chunk size line: whitespace after the size must lead to a ';' extension");
            }
            state = State.CHUNK_SIZE_LF;
          } else {
            if (++chunkExtensionBytes > MAX_CHUNK_EXTENSION) {
              return fail(
                  i,
                  400,
                  Violation.Kind.BAD_REQUEST,
                  "chunk extension longer than " + MAX_CHUNK_EXTENSION + " bytes");
            }
            if (++extensionBytesInMessage > MAX_CHUNK_EXTENSIONS_PER_REQUEST) {
              return fail(
                  i,
                  400,
                  Violation.Kind.BAD_REQUEST,
                  "chunk extensions of more than "
                      + MAX_CHUNK_EXTENSIONS_PER_REQUEST
                      + " bytes in one request");
            }
            Violation v = extensionByte(b);
            if (v != null) {
              return fail(i, v);
            }
          }
        }
        case CHUNK_SIZE_LF -> {
          if (buf.get(i) != '\n') {
            return fail(
                i, 400, Violation.Kind.BAD_REQUEST, "CR not followed by LF after a chunk size");
          }
          if (remaining == 0) {
            trailerBytes = 0;
            trailerFields = 0;
            state = State.TRAILER_START;
          } else {
            state = State.CHUNK_DATA;
          }
        }
        case CHUNK_DATA -> {
          long take = Math.min(remaining, to - i);
          remaining -= take;
          i += (int) take;
          if (remaining == 0) {
            state = State.CHUNK_DATA_CR;
          }
          continue;
        }
        case CHUNK_DATA_CR -> {
          // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
          if (buf.get(i) != '\r') {
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "chunk data is not followed by CRLF (more bytes than the chunk size, or a bare LF)");
          }
          state = State.CHUNK_DATA_LF;
        }
        case CHUNK_DATA_LF -> {
          if (buf.get(i) != '\n') {
            return fail(i, 400, Violation.Kind.BAD_REQUEST, "chunk data is not followed by CRLF");
          }
          remaining = 0;
          chunkDigits = 0;
          state = State.CHUNK_SIZE;
        }
        case TRAILER_START -> {
          byte b = buf.get(i);
          if (b == '\r') {
            state = State.TRAILER_END_LF;
          } else if (b == ' ' || b == '\t') {
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "trailer field line folding (a line starting with whitespace) is not allowed");
          } else if (b == '\n') {
            return fail(
                i, 400, Violation.Kind.BAD_REQUEST, "a line must end with CRLF, not a bare LF");
          } else {
            if (++trailerFields > MAX_TRAILER_FIELDS) {
              return fail(
                  i,
                  431,
                  Violation.Kind.HEADERS_TOO_LARGE,
                  "more than " + MAX_TRAILER_FIELDS + " trailer fields");
            }
            nameLength = 0;
            lineBytes = 0;
            state = State.TRAILER_NAME;
            continue;
          }
        }
        case TRAILER_LF -> {
          if (buf.get(i) != '\n') {
            return fail(
                i, 400, Violation.Kind.BAD_REQUEST, "CR not followed by LF in the trailer section");
          }
          if (++lineBytes > MAX_FIELD_LINE) {
            return fail(
                i,
                431,
                Violation.Kind.HEADERS_TOO_LARGE,
                "trailer field " + fieldName() + " larger than " + MAX_FIELD_LINE + " bytes");
          }
          state = State.TRAILER_START;
        }
        case TRAILER_END_LF -> {
          if (buf.get(i) != '\n') {
            return fail(
                i,
                400,
                Violation.Kind.BAD_REQUEST,
                "CR not followed by LF at the end of the trailers");
          }
          endMessage();
        }
        case FAILED -> {
          position = i;
          return Result.VIOLATION;
        }
        default -> throw new IllegalStateException(state.name());
      }
      // One byte of the head or of the chunk framing was consumed: count it against its bounds.
      Violation bound = countFramingByte();
      if (bound != null) {
        return fail(i, bound);
      }
      i++;
    }
    position = to;
    return Result.ACCEPT;
  }

  /**
   * The method and the request target's path, as far as they were read (for the access log of an
   * error).
   */
  public String method() {
    return new String(methodBuffer, 0, methodLength, StandardCharsets.ISO_8859_1);
  }

  /**
   * The request target's first {@value Violation#MAX_LOGGED_TARGET} characters, as far as it was
   * read.
   */
  public String target() {
    return new String(
        targetPrefix, 0, Math.min(targetLength, targetPrefix.length), StandardCharsets.ISO_8859_1);
  }

  private Violation countFramingByte() {
    switch (state) {
      case METHOD,
          TARGET,
          VERSION,
          REQUEST_LINE_LF,
          FIELD_START,
          FIELD_NAME,
          FIELD_VALUE,
          FIELD_LF,
          HEAD_END_LF -> {
        if (++headBytes > MAX_HEADER_SECTION) {
          return new Violation(
              431,
              Violation.Kind.HEADERS_TOO_LARGE,
              "request header section larger than " + MAX_HEADER_SECTION + " bytes",
              method(),
              target());
        }
        if ((state == State.FIELD_NAME || state == State.FIELD_VALUE || state == State.FIELD_LF)
            && ++lineBytes > MAX_FIELD_LINE) {
          return new Violation(
              431,
              Violation.Kind.HEADERS_TOO_LARGE,
              "header field " + fieldName() + " larger than " + MAX_FIELD_LINE + " bytes",
              method(),
              target());
        }
        return null;
      }
      case TRAILER_START, TRAILER_NAME, TRAILER_VALUE, TRAILER_LF, TRAILER_END_LF -> {
        if (++trailerBytes > MAX_TRAILER_SECTION) {
          return new Violation(
              431,
              Violation.Kind.HEADERS_TOO_LARGE,
              "trailer section larger than " + MAX_TRAILER_SECTION + " bytes",
              method(),
              target());
        }
        if (state != State.TRAILER_START
            && state != State.TRAILER_END_LF
            && ++lineBytes > MAX_FIELD_LINE) {
          return new Violation(
              431,
              Violation.Kind.HEADERS_TOO_LARGE,
              "trailer field " + fieldName() + " larger than " + MAX_FIELD_LINE + " bytes",
              method(),
              target());
        }
        return null;
      }
      default -> {
        return null;
      }
    }
  }

  private void beginMessage() {
    leadingEmptyLines = 0;
    headBytes = 0;
    lineBytes = 0;
    fieldCount = 0;
    methodLength = 0;
    targetLength = 0;
    targetPart = TargetPart.FIRST;
    authorityLength = 0;
    percentDigits = -1;
    versionLength = 0;
    http10 = false;
    hosts = 0;
    hostLength = 0;
    contentTypes = 0;
    contentLengths = 0;
    contentLength = -1;
    contentLengthDigits = 0;
    transferEncoding = false;
    transferEncodingLength = 0;
    remaining = 0;
    chunkDigits = 0;
    extensionBytesInMessage = 0;
  }

  private void endMessage() {
    messages++;
    state = State.START;
    leadingEmptyLines = 0;
  }

  private void startBody() {
    if (transferEncoding) {
      remaining = 0;
      chunkDigits = 0;
      state = State.CHUNK_SIZE;
    } else if (contentLength > 0) {
      remaining = contentLength;
      state = State.BODY_FIXED;
    } else {
      endMessage();
    }
  }

  private Violation methodProblem() {
    String m = method();
    if (Methods.isImplemented(m)) {
      return null;
    }
    return new Violation(
        501,
        Violation.Kind.NOT_IMPLEMENTED,
        "method " + m + " is not implemented: this server is" + " not a proxy",
        m,
        target());
  }

  /** Where in the request target the scanner is (RFC 3986 §3 and RFC 9112 §3.2 forms). */
  private enum TargetPart {
    FIRST,
    SCHEME,
    AUTHORITY_START,
    REG_NAME,
    IP_LITERAL,
    AFTER_IP_LITERAL,
    PORT,
    PATH,
    QUERY,
    ASTERISK
  }

  private static final String HTTP_SCHEME = "http://";
  private static final String HTTPS_SCHEME = "https://";

  /** Longest authority of an absolute-form target (a host name has at most 255 bytes). */
  private static final int MAX_AUTHORITY = 300;

  /**
   * One byte of the request target. Every byte is judged as it arrives against the grammar of its
   * part (the character sets of RFC 3986: pchar in the path, pchar / "/" / "?" in the query,
   * reg-name, IP literal or port in an absolute-form authority), so that no prefix passed on is one
   * Undertow's parser would refuse by itself.
   */
  private Violation targetByte(byte b) {
    if (targetLength == MAX_TARGET_LENGTH) {
      return new Violation(
          414,
          Violation.Kind.URI_TOO_LONG,
          "request target longer than " + MAX_TARGET_LENGTH + " bytes",
          method(),
          target());
    }
    if (targetLength < targetPrefix.length) {
      targetPrefix[targetLength] = b;
    }
    targetLength++;
    if (percentDigits >= 0) {
      if (Character.digit(b, 16) < 0 || b >= 0x80) {
        return badTarget("'%' must be followed by two hex digits");
      }
      percentDigits = percentDigits == 1 ? -1 : 1;
      return targetPart == TargetPart.REG_NAME ? authorityByte(b) : null;
    }
    switch (targetPart) {
      case FIRST -> {
        if (b == '/') {
          targetPart = TargetPart.PATH;
        } else if (b == '*') {
          // RFC 9112 §3.2.4: the asterisk form is only for OPTIONS (refused at once, as Undertow
          // does).
          if (!method().equals("OPTIONS")) {
            return badTarget("* is only allowed with OPTIONS");
          }
          targetPart = TargetPart.ASTERISK;
        } else if (b == 'h' || b == 'H') {
          targetPart = TargetPart.SCHEME;
        } else {
          return badTarget("expected a path starting with / or an absolute http(s) URI");
        }
      }
      case SCHEME -> {
        int n = targetLength;
        boolean http = n <= HTTP_SCHEME.length() && matchesPrefix(HTTP_SCHEME, n);
        boolean https = matchesPrefix(HTTPS_SCHEME, n);
        if (!http && !https) {
          return badTarget("expected a path starting with / or an absolute http(s) URI");
        }
        if ((http && n == HTTP_SCHEME.length()) || (https && n == HTTPS_SCHEME.length())) {
          targetPart = TargetPart.AUTHORITY_START;
          authorityLength = 0;
        }
      }
      case AUTHORITY_START, REG_NAME -> {
        if (b == '[' && targetPart == TargetPart.AUTHORITY_START) {
          targetPart = TargetPart.IP_LITERAL;
        } else if (b == ':' && targetPart == TargetPart.REG_NAME) {
          targetPart = TargetPart.PORT;
          portDigits = 0;
        } else if ((b == '/' || b == '?') && targetPart == TargetPart.REG_NAME) {
          targetPart = b == '/' ? TargetPart.PATH : TargetPart.QUERY;
          return null;
        } else if (b == '%') {
          percentDigits = 0;
          targetPart = TargetPart.REG_NAME;
        } else if (Chars.isUnreservedOrSubDelim(b)) {
          targetPart = TargetPart.REG_NAME;
        } else {
          return badTarget("invalid character " + Chars.describe(b) + " in the authority");
        }
        return authorityByte(b);
      }
      case IP_LITERAL -> {
        if (b == ']') {
          targetPart = TargetPart.AFTER_IP_LITERAL;
        } else if (b != ':' && !Chars.isUnreservedOrSubDelim(b)) {
          return badTarget("invalid character " + Chars.describe(b) + " in an IP literal");
        }
        return authorityByte(b);
      }
      case AFTER_IP_LITERAL, PORT -> {
        if (b == ':' && targetPart == TargetPart.AFTER_IP_LITERAL) {
          targetPart = TargetPart.PORT;
          portDigits = 0;
          return authorityByte(b);
        }
        if (targetPart == TargetPart.PORT && Chars.isDigit(b) && portDigits < 5) {
          portDigits++;
          return authorityByte(b);
        }
        if ((b == '/' || b == '?')
            && (targetPart == TargetPart.AFTER_IP_LITERAL || portDigits > 0)) {
          targetPart = b == '/' ? TargetPart.PATH : TargetPart.QUERY;
          return null;
        }
        return badTarget("malformed port in the authority");
      }
      case PATH, QUERY -> {
        if (b == '%') {
          percentDigits = 0;
        } else if (b == '?') {
          targetPart = TargetPart.QUERY;
        } else if (b != '/' && !Chars.isPchar(b)) {
          // RFC 3986 §3.3/§3.4: no space, CTL, non-ASCII, '#' (fragments are not sent), or
          // "<>\"^`{|}[]
          return badTarget("invalid character " + Chars.describe(b));
        }
      }
      case ASTERISK -> {
        return badTarget("the asterisk form is a single *");
      }
      default -> throw new IllegalStateException(targetPart.name());
    }
    return null;
  }

  private Violation authorityByte(byte b) {
    if (authorityLength == MAX_AUTHORITY) {
      return badTarget("authority longer than " + MAX_AUTHORITY + " bytes");
    }
    authority[authorityLength++] = b;
    return null;
  }

  private Violation badTarget(String why) {
    return new Violation(
        400, Violation.Kind.BAD_REQUEST, "malformed request target: " + why, method(), target());
  }

  private boolean matchesPrefix(String prefix, int n) {
    for (int k = 0; k < n; k++) {
      if (Chars.lower(targetPrefix[k]) != prefix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private Violation targetProblemAtEnd() {
    if (targetLength == 0) {
      return new Violation(
          400,
          Violation.Kind.BAD_REQUEST,
          "malformed request line: empty request target",
          method(),
          "");
    }
    if (percentDigits >= 0) {
      return badTarget("'%' must be followed by two hex digits");
    }
    return switch (targetPart) {
      case PATH, QUERY -> null;
      case ASTERISK -> null;
      default -> badTarget("an absolute URI needs a path, at least /");
    };
  }

  /**
   * The authority of an absolute-form target ("http://authority/..."), or null for the other forms.
   */
  private String absoluteAuthority() {
    return targetLength > 0 && (targetPrefix[0] == 'h' || targetPrefix[0] == 'H')
        ? new String(authority, 0, authorityLength, StandardCharsets.ISO_8859_1)
        : null;
  }

  /** Whether {@code b} may come next in "HTTP/" DIGIT "." DIGIT. */
  private boolean versionByteFits(byte b) {
    if (versionLength < VERSION_PREFIX.length) {
      return b == VERSION_PREFIX[versionLength];
    }
    return switch (versionLength) {
      case 5, 7 -> Chars.isDigit(b);
      case 6 -> b == '.';
      default -> false;
    };
  }

  private Violation versionProblem() {
    // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive).
    boolean wellFormed = versionLength == 8;
    for (int k = 0; wellFormed && k < VERSION_PREFIX.length; k++) {
      wellFormed = version[k] == VERSION_PREFIX[k];
    }
    wellFormed =
        wellFormed && Chars.isDigit(version[5]) && version[6] == '.' && Chars.isDigit(version[7]);
    if (!wellFormed) {
      return new Violation(
          400,
          Violation.Kind.BAD_REQUEST,
          "malformed request line: the HTTP version must be " + "HTTP/1.1 or HTTP/1.0",
          method(),
          target());
    }
    if (version[5] == '1' && (version[7] == '1' || version[7] == '0')) {
      http10 = version[7] == '0';
      return null;
    }
    // RFC 9110 §15.6.6: 505 for a major version the server does not support; this server speaks 1.0
    // and 1.1 only.
    return new Violation(
        505,
        Violation.Kind.VERSION_NOT_SUPPORTED,
        "HTTP version "
            + new String(version, 5, 3, StandardCharsets.US_ASCII)
            + " is not supported; use HTTP/1.1",
        method(),
        target());
  }

  private Field fieldOf() {
    if (nameLength > NAME_BUFFER) {
      return Field.OTHER;
    }
    if (nameIs(CONTENT_LENGTH)) {
      return Field.CONTENT_LENGTH;
    }
    if (nameIs(TRANSFER_ENCODING)) {
      return Field.TRANSFER_ENCODING;
    }
    if (nameIs(HOST)) {
      return Field.HOST;
    }
    if (nameIs(CONTENT_TYPE)) {
      return Field.CONTENT_TYPE;
    }
    return Field.OTHER;
  }

  private boolean nameIs(byte[] expected) {
    if (nameLength != expected.length) {
      return false;
    }
    for (int k = 0; k < expected.length; k++) {
      if (name[k] != expected[k]) {
        return false;
      }
    }
    return true;
  }

  private String fieldName() {
    return new String(name, 0, Math.min(nameLength, NAME_BUFFER), StandardCharsets.US_ASCII)
        + (nameLength > NAME_BUFFER ? "..." : "");
  }

  private Violation valueByte(byte b) {
    boolean whitespace = b == ' ' || b == '\t';
    if (whitespace) {
      // OWS before and after the value is not part of it (RFC 9112 §5.1); inside it, it is.
      whitespaceAfterValue = valueStarted;
      return field == Field.TRANSFER_ENCODING && valueStarted ? appendTransferEncoding(b) : null;
    }
    boolean internalWhitespace = whitespaceAfterValue;
    whitespaceAfterValue = false;
    valueStarted = true;
    switch (field) {
      case CONTENT_LENGTH -> {
        // RFC 9110 §8.6: Content-Length = 1*DIGIT; a list such as "5, 5" is refused too.
        if (!Chars.isDigit(b) || internalWhitespace) {
          return new Violation(
              400,
              Violation.Kind.BAD_REQUEST,
              "Content-Length must be a single decimal number",
              method(),
              target());
        }
        if (++contentLengthDigits > 18) {
          return new Violation(
              400, Violation.Kind.BAD_REQUEST, "Content-Length is too large", method(), target());
        }
        contentLength = (contentLength < 0 ? 0 : contentLength * 10) + (b - '0');
      }
      case TRANSFER_ENCODING -> {
        return appendTransferEncoding(b);
      }
      case HOST -> {
        // RFC 9110 §7.2 / RFC 3986 §3.2.2: uri-host [ ":" port ]; the grammar is checked at the
        // end.
        if (internalWhitespace || !Chars.isHostChar(b)) {
          return new Violation(
              400,
              Violation.Kind.BAD_REQUEST,
              "invalid character "
                  + Chars.describe(internalWhitespace ? (byte) ' ' : b)
                  + " in the Host header",
              method(),
              target());
        }
        if (hostLength == hostValue.length) {
          return new Violation(
              400,
              Violation.Kind.BAD_REQUEST,
              "Host header longer than " + hostValue.length + " bytes",
              method(),
              target());
        }
        hostValue[hostLength++] = b;
      }
      default -> {}
    }
    return null;
  }

  private Violation appendTransferEncoding(byte b) {
    if (transferEncodingValue == null) {
      transferEncodingValue = new byte[MAX_TRANSFER_ENCODING];
    }
    if (transferEncodingLength == MAX_TRANSFER_ENCODING) {
      return new Violation(
          400,
          Violation.Kind.BAD_REQUEST,
          "Transfer-Encoding is longer than " + MAX_TRANSFER_ENCODING + " bytes",
          method(),
          target());
    }
    transferEncodingValue[transferEncodingLength++] = Chars.lower(b);
    return null;
  }

  private Violation endField() {
    switch (field) {
      case CONTENT_LENGTH -> {
        if (++contentLengths > 1) {
          return new Violation(
              400,
              Violation.Kind.BAD_REQUEST,
              "more than one Content-Length header",
              method(),
              target());
        }
        if (contentLength < 0) {
          return new Violation(
              400,
              Violation.Kind.BAD_REQUEST,
              "Content-Length must be a single decimal number",
              method(),
              target());
        }
      }
      case TRANSFER_ENCODING -> {
        transferEncoding = true;
        // Several field lines form one comma-separated list (RFC 9110 §5.3).
        return appendTransferEncoding((byte) ',');
      }
      case HOST -> hosts++;
      case CONTENT_TYPE -> contentTypes++;
      default -> {}
    }
    return null;
  }

  /** Rules that need the whole header section. */
  private Violation framingProblem() {
    // RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request without Host or with more
    // than one.
    if (hosts > 1) {
      return new Violation(
          400, Violation.Kind.BAD_REQUEST, "more than one Host header", method(), target());
    }
    if (hosts == 0 && !http10) {
      return new Violation(
          400,
          Violation.Kind.BAD_REQUEST,
          "an HTTP/1.1 request must have a Host header",
          method(),
          target());
    }
    String absolute = absoluteAuthority();
    if (hosts == 1 || absolute != null) {
      String hostProblem =
          Hosts.problem(
              hosts == 1 ? new String(hostValue, 0, hostLength, StandardCharsets.ISO_8859_1) : "",
              absolute);
      if (hostProblem != null) {
        return new Violation(400, Violation.Kind.BAD_REQUEST, hostProblem, method(), target());
      }
    }
    // RFC 9110 §8.3: Content-Type is a singleton field.
    if (contentTypes > 1) {
      return new Violation(
          400, Violation.Kind.BAD_REQUEST, "more than one Content-Type header", method(), target());
    }
    if (!transferEncoding) {
      return null;
    }
    // RFC 9112 §6.1: a request with both Transfer-Encoding and Content-Length: reject, then close.
    if (contentLengths > 0) {
      return new Violation(
          400,
          Violation.Kind.BAD_REQUEST,
          "a request must not have both Content-Length and Transfer-Encoding",
          method(),
          target());
    }
    return TransferCodings.check(transferEncodingValue, transferEncodingLength, method(), target());
  }

  private Violation extensionByte(byte b) {
    if (!extensionStarted) {
      if (b == ';') {
        extensionStarted = true;
        return null;
      }
      if (b == ' ' || b == '\t') {
        return null; // BWS before the ';'
      }
      return new Violation(
          400,
          Violation.Kind.BAD_REQUEST,
          "invalid chunk size: unexpected " + Chars.describe(b) + " after the hex digits",
          method(),
          target());
    }
    if (inQuotes) {
      if (b == '"') {
        inQuotes = false;
      } else if (b != '\t' && b != ' ' && !Chars.isFieldVchar(b)) {
        return new Violation(
            400,
            Violation.Kind.BAD_REQUEST,
            "invalid character " + Chars.describe(b) + " in a chunk extension",
            method(),
            target());
      }
      return null;
    }
    if (b == '"') {
      inQuotes = true;
      return null;
    }
    if (b == ';' || b == '=' || b == ' ' || b == '\t' || Chars.isTchar(b)) {
      return null;
    }
    return new Violation(
        400,
        Violation.Kind.BAD_REQUEST,
        "invalid character " + Chars.describe(b) + " in a chunk extension",
        method(),
        target());
  }

  private Result fail(int at, int status, Violation.Kind kind, String message) {
    return fail(at, new Violation(status, kind, message, method(), target()));
  }

  private Result fail(int at, Violation v) {
    failedInHead = state.ordinal() <= State.HEAD_END_LF.ordinal();
    violation = v;
    state = State.FAILED;
    position = at;
    return Result.VIOLATION;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
