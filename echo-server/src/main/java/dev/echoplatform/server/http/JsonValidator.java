package dev.echoplatform.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that a request body is exactly one JSON object in strict UTF-8, with Jackson's streaming
 * parser under explicit limits (no tree is built, strings are skipped without being buffered).
 * Returns a client-facing reason for the first problem, in the server's own words, or {@code null}.
 *
 * <p>UTF-8 is validated separately and strictly (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF) because Jackson accepts some ill-formed sequences inside strings. NUL
 * bytes, which JSON never allows unescaped, are rejected too; this also rules out UTF-16/UTF-32
 * input that Jackson would otherwise auto-detect.
 */
public final class JsonValidator {

  /** Longest number literal accepted, in characters. */
  public static final int MAX_NUMBER_LENGTH = 1000;

  /** Longest object member name accepted, in characters. */
  public static final int MAX_NAME_LENGTH = 4096;

  private static final int MAX_QUOTED_LENGTH = 40;
  private static final Pattern UNEXPECTED_CHAR =
      Pattern.compile("^Unexpected character \\((.*) \\(code (\\d+)\\)\\)");
  private static final Pattern UNQUOTED_CTRL =
      Pattern.compile("^Illegal unquoted character \\(\\(CTRL-CHAR, code (\\d+)\\)\\)");
  private static final Pattern TOKEN =
      Pattern.compile("^(?:Unrecognized token|Non-standard token) '([^']*)'");

  private final JsonFactory factory;
  private final int maxDepth;
  private final long maxBodySize;

  public JsonValidator(int maxDepth, long maxBodySize) {
    this.maxDepth = maxDepth;
    this.maxBodySize = maxBodySize;
    int maxString = (int) Math.min(Integer.MAX_VALUE, maxBodySize);
    this.factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(maxDepth)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxNameLength(MAX_NAME_LENGTH)
                    .maxStringLength(maxString)
                    .maxDocumentLength(maxBodySize)
                    .build())
            // Member names are only checked, never kept: no symbol table to grow or to flood with
            // collisions.
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();
  }

  /**
   * @return why {@code body[0..length)} is not acceptable, or {@code null} when it is one JSON
   *     object
   */
  public String validate(byte[] body, int length) {
    BodyBuffer buffer = new BodyBuffer();
    if (length > 0) {
      buffer.addSegment(length);
      buffer.writable().put(body, 0, length);
      buffer.filled(length);
    }
    return validate(buffer);
  }

  /**
   * @return why the body is not acceptable, or {@code null} when it is one JSON object. The common
   *     case, a plain valid object, is recognised in one pass by {@link QuickJson}; anything it is
   *     not sure of takes the full check below, which words every refusal.
   */
  String validate(BodyBuffer body) {
    long length = body.length();
    if (length == 0) {
      return "request body is empty";
    }
    if (length <= maxBodySize && quickCheck(body)) {
      return null;
    }
    return fullCheck(body);
  }

  /**
   * Whether {@link QuickJson} (and, for a body with bytes from 0x80 up, the UTF-8 check) accepts
   * the body.
   */
  boolean quickCheck(BodyBuffer body) {
    QuickJson quick = new QuickJson(maxDepth);
    for (int s = 0; s < body.segmentCount(); s++) {
      if (!quick.feed(body.segment(s), 0, body.segmentLength(s))) {
        return false;
      }
    }
    QuickJson.Verdict verdict = quick.finish();
    if (verdict != QuickJson.Verdict.VALID_IF_UTF8) {
      return verdict == QuickJson.Verdict.VALID;
    }
    Utf8.Checker utf8 = new Utf8.Checker();
    for (int s = 0; s < body.segmentCount(); s++) {
      if (!utf8.feed(body.segment(s), 0, body.segmentLength(s))) {
        return false;
      }
    }
    return utf8.finish();
  }

  /**
   * The full check: BOM, UTF-8 and NUL, then Jackson's parser; the reason for the first problem, or
   * null.
   */
  String fullCheck(BodyBuffer body) {
    long length = body.length();
    if (length >= 3
        && (body.byteAt(0) & 0xFF) == 0xEF
        && (body.byteAt(1) & 0xFF) == 0xBB
        && (body.byteAt(2) & 0xFF) == 0xBF) {
      return "request body must not start with a byte order mark";
    }
    Utf8.Checker utf8 = new Utf8.Checker();
    for (int s = 0;
        s < body.segmentCount() && utf8.feed(body.segment(s), 0, body.segmentLength(s));
        s++) {
      // feed every segment until the first problem
    }
    if (!utf8.finish()) {
      long bad = utf8.invalidAt();
      return body.byteAt(bad) == 0
          ? "request body contains a NUL byte at offset " + bad
          : "request body is not valid UTF-8 (offset " + bad + ")";
    }
    try (JsonParser parser =
        body.segmentCount() == 1
            ? factory.createParser(body.segment(0), 0, body.segmentLength(0))
            : factory.createParser(body.inputStream())) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return "request body is empty";
      }
      if (first != JsonToken.START_OBJECT) {
        return "request body must be a JSON object, found " + describe(first);
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        return "unexpected data after the JSON object";
      }
      return null;
    } catch (StreamConstraintsException e) {
      String msg = String.valueOf(e.getOriginalMessage());
      if (msg.contains("nesting depth")) {
        return "JSON nesting is deeper than the maximum of " + maxDepth;
      }
      if (msg.startsWith("Number value length")) {
        return "JSON number is longer than the maximum of " + MAX_NUMBER_LENGTH + " characters";
      }
      if (msg.startsWith("Name length")) {
        return "JSON member name is longer than the maximum of " + MAX_NAME_LENGTH + " characters";
      }
      return "JSON exceeds a limit of the server";
    } catch (JsonProcessingException e) {
      return "invalid JSON" + where(e.getLocation()) + ": " + explain(e.getOriginalMessage());
    } catch (IOException e) {
      return "invalid JSON";
    }
  }

  private static String where(JsonLocation location) {
    return location == null
        ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  /**
   * The parser's message in the server's words: what was found and, where it is clear, what was
   * expected. Nothing of the parser's own vocabulary (token classes, feature names to enable)
   * reaches the client.
   */
  static String explain(String parserMessage) {
    String m = parserMessage == null ? "" : parserMessage;
    if (m.startsWith("Unexpected end-of-input")) {
      return "the body ends before the JSON value is complete";
    }
    Matcher ctrl = UNQUOTED_CTRL.matcher(m);
    if (ctrl.find()) {
      return String.format(
          "control character U+%04X must be escaped inside a string",
          Integer.parseInt(ctrl.group(1)));
    }
    Matcher token = TOKEN.matcher(m);
    if (token.find()) {
      return "'"
          + quote(token.group(1))
          + "' is not a JSON value (expected an object, array, string, number, "
          + "true, false or null)";
    }
    if (m.startsWith("Leading zeroes not allowed") || m.contains("Leading zero")) {
      return "a number must not have leading zeros";
    }
    if (m.startsWith("Invalid numeric value")
        || m.contains("Decimal point not followed by a digit")
        || m.contains("Exponent indicator not followed by a digit")) {
      return "malformed number";
    }
    if (m.startsWith("Unrecognized character escape")) {
      return "invalid escape sequence in a string";
    }
    Matcher unexpected = UNEXPECTED_CHAR.matcher(m);
    if (unexpected.find()) {
      int code = Integer.parseInt(unexpected.group(2));
      String found =
          code >= 0x20 && code < 0x7F ? "'" + (char) code + "'" : String.format("U+%04X", code);
      return "unexpected character " + found + expected(m);
    }
    return "malformed JSON";
  }

  private static String expected(String m) {
    if (m.contains("double-quote to start field name")) {
      return " (expected a member name in double quotes)";
    }
    if (m.contains("comma to separate Object entries")) {
      return " (expected ',' or '}')";
    }
    if (m.contains("comma to separate Array entries")) {
      return " (expected ',' or ']')";
    }
    if (m.contains("colon to separate field name and value")) {
      return " (expected ':')";
    }
    if (m.contains("expected a value") || m.contains("expected a valid value")) {
      return " (expected a value)";
    }
    return "";
  }

  private static String quote(String s) {
    return s.length() <= MAX_QUOTED_LENGTH ? s : s.substring(0, MAX_QUOTED_LENGTH) + "...";
  }

  private static String describe(JsonToken token) {
    switch (token) {
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return token.asString() == null ? token.name() : token.asString();
    }
  }
}
