package dev.echoplatform.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

import java.io.IOException;

/**
 * Checks that a request body is exactly one JSON object in strict UTF-8, with Jackson's streaming parser under
 * explicit limits (no tree is built). Returns a client-facing reason for the first problem, or {@code null}.
 *
 * <p>UTF-8 is validated separately and strictly (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF) because Jackson accepts some ill-formed sequences inside strings. NUL bytes, which JSON never allows
 * unescaped, are rejected too; this also rules out UTF-16/UTF-32 input that Jackson would otherwise auto-detect.
 */
public final class JsonValidator {

    /** Longest number literal accepted, in characters. */
    public static final int MAX_NUMBER_LENGTH = 1000;
    /** Longest object member name accepted, in characters. */
    public static final int MAX_NAME_LENGTH = 4096;

    private static final int MAX_REASON_LENGTH = 200;

    private final JsonFactory factory;
    private final int maxDepth;

    public JsonValidator(int maxDepth, long maxBodySize) {
        this.maxDepth = maxDepth;
        int maxString = (int) Math.min(Integer.MAX_VALUE, maxBodySize);
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(maxDepth)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .maxNameLength(MAX_NAME_LENGTH)
                        .maxStringLength(maxString)
                        .maxDocumentLength(maxBodySize)
                        .build())
                // Member names are only checked, never kept: no symbol table to grow or to flood with collisions.
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .build();
    }

    /** @return why {@code body[0..length)} is not acceptable, or {@code null} when it is one JSON object */
    public String validate(byte[] body, int length) {
        if (length == 0) {
            return "request body is empty";
        }
        if (length >= 3 && (body[0] & 0xFF) == 0xEF && (body[1] & 0xFF) == 0xBB && (body[2] & 0xFF) == 0xBF) {
            return "request body must not start with a byte order mark";
        }
        int bad = Utf8.firstInvalid(body, 0, length);
        if (bad >= 0) {
            return body[bad] == 0 ? "request body contains a NUL byte at offset " + bad
                    : "request body is not valid UTF-8 (offset " + bad + ")";
        }
        try (JsonParser parser = factory.createParser(body, 0, length)) {
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
            return "JSON exceeds a limit: " + truncate(msg);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            return "invalid JSON" + where + ": " + truncate(firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            return "invalid JSON: " + truncate(firstLine(e.getMessage()));
        }
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

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed input";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String truncate(String s) {
        return s.length() <= MAX_REASON_LENGTH ? s : s.substring(0, MAX_REASON_LENGTH) + "...";
    }
}
