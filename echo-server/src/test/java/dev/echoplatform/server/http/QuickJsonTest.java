package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link QuickJson} against the full check: what it accepts, the full check accepts (it may only
 * ever spare the full check's work); the common valid bodies are accepted by it (else it spares
 * nothing); and its verdict does not depend on how the body is cut into segments.
 */
class QuickJsonTest {

  private static final int DEPTH = 64;
  private static final JsonValidator VALIDATOR = new JsonValidator(DEPTH, 1 << 20);

  /** The quick verdict on {@code body} held in segments cut at {@code cuts} (ascending offsets). */
  static boolean quick(byte[] body, int... cuts) {
    return VALIDATOR.quickCheck(buffer(body, cuts));
  }

  static BodyBuffer buffer(byte[] body, int... cuts) {
    BodyBuffer buffer = new BodyBuffer();
    int from = 0;
    for (int k = 0; k <= cuts.length; k++) {
      int to = k < cuts.length ? cuts[k] : body.length;
      if (to > from) {
        buffer.addSegment(to - from);
        buffer.writable().put(body, from, to - from);
        buffer.filled(to - from);
      }
      from = to;
    }
    return buffer;
  }

  static String full(byte[] body) {
    return VALIDATOR.fullCheck(buffer(body));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        " \t\r\n{ }\n\n",
        "{\"a\":1}",
        "{\"a\":-0.0,\"b\":1e400,\"c\":1E-7,\"d\":2.50,\"e\":0e5,\"f\":-12.5e+3}",
        "{\"escapes\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u00e9\\ud83d\\ude00\\uD800\"}",
        "{\"raw unicode\":\"é ü ß 日本語 😀 \u2028\"}",
        "{\"dup\":1,\"dup\":2}",
        "{\"t\":true,\"f\":false,\"n\":null,\"e\":\"\",\"a\":[]}",
        "{\"a\":[1,[2,{\"b\":[]}],{},\"x\"]}",
        "{\"a\" : [ 1 , 2 ] , \"b\" : { \"c\" : null } }",
      })
  void acceptsCommonValidObjects(String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    assertThat(full(body)).isNull();
    assertThat(quick(body)).isTrue();
    for (int cut = 1; cut < body.length; cut++) {
      assertThat(quick(body, cut)).as("cut at %d", cut).isTrue();
    }
  }

  @Test
  void acceptsTheDeepestAllowedNestingAndLongestNameButNotOneMore() {
    assertThat(quick(("{\"a\":" + "[".repeat(DEPTH - 1) + "]".repeat(DEPTH - 1) + "}").getBytes()))
        .isTrue();
    assertThat(quick(("{\"a\":" + "[".repeat(DEPTH) + "]".repeat(DEPTH) + "}").getBytes()))
        .isFalse();
    assertThat(quick(("{\"" + "k".repeat(QuickJson.MAX_NAME) + "\":1}").getBytes())).isTrue();
    assertThat(quick(("{\"" + "k".repeat(QuickJson.MAX_NAME + 1) + "\":1}").getBytes())).isFalse();
    assertThat(quick(("{\"n\":" + "1".repeat(QuickJson.MAX_NUMBER) + "}").getBytes())).isTrue();
    assertThat(quick(("{\"n\":" + "1".repeat(QuickJson.MAX_NUMBER + 1) + "}").getBytes()))
        .isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "{",
        "{\"a\":",
        "{\"a\":1",
        "{\"a\":}",
        "{} x",
        "{}{}",
        "{} []",
        "[1,2]",
        "\"text\"",
        "42",
        "true",
        "null",
        "{'a':1}",
        "{\"a\":01}",
        "{\"a\":-01}",
        "{\"a\":NaN}",
        "{\"a\":tru}",
        "{\"a\":truex}",
        "{\"a\":1x}",
        "{\"a\":1,}",
        "{/*c*/}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\t\"}",
        "{a:1}",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":[1 2]}",
        "{\"a\":-}",
        "{\"a\":1.}",
        "{\"a\":1e}",
        "{\"a\":1e+}",
        "{\"a\":\"x}",
        "{\"a\":[}",
        "{\"a\":{}]",
        "{\"a\":\"\\u12\"}",
        "{\"a\":+1}",
        "{\"a\":.5}",
        "{\"a\":1.2.3}",
        "{\"a\":1e5e5}",
        "{,}",
        "{\"a\":[,]}",
        "{\"a\":[1,]}",
        "{\"a\":\"\u007f\"}",
        "{\"a\":1}\u000b",
        "\u000c{}",
      })
  void leavesEverythingElseToTheFullCheck(String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    assertThat(quick(body)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "7b2261223a2280227d",
        "7b2261223a22c0af227d",
        "7b2261223a22e08080227d",
        "7b2261223a22eda080227d",
        "7b2261223a22f4908080227d",
        "7b2261223a22f5808080227d",
        "7b2261223a22e282227d",
        "7b2261223a22ff227d",
        "7b22c3223a317d",
        "efbbbf7b7d",
        "7b7d00",
        "7b002261223a317d",
        "7b2261223a2200227d",
        "7bc3a97d",
      })
  void refusesInvalidUtf8NulAndByteOrderMarks(String hex) {
    byte[] body = HexFormat.of().parseHex(hex);
    assertThat(full(body)).isNotNull();
    assertThat(quick(body)).isFalse();
  }

  /**
   * Random objects, then random edits of them (bytes that matter to JSON inserted, deleted or
   * replaced): whatever the quick check accepts, whole or cut into random segments, the full check
   * accepts too.
   */
  @Test
  void neverAcceptsWhatTheFullCheckRefuses() {
    Random random = new Random(20261201L);
    int accepted = 0;
    int cases = 60_000;
    for (int n = 0; n < cases; n++) {
      byte[] body = mutate(random, object(random, 0).getBytes(StandardCharsets.UTF_8));
      boolean whole = quick(body);
      int[] cuts = cuts(random, body.length);
      assertThat(quick(body, cuts))
          .as("%s cut at %s", printable(body), java.util.Arrays.toString(cuts))
          .isEqualTo(whole);
      if (whole) {
        accepted++;
        assertThat(full(body)).as("quick accepted %s", printable(body)).isNull();
      }
    }
    assertThat(accepted).as("bodies the quick check accepted").isGreaterThan(cases / 10);
  }

  private static final String[] ATOMS = {
    "0",
    "-0",
    "1",
    "-12",
    "3.25",
    "1e5",
    "2E-3",
    "-0.5e+7",
    "true",
    "false",
    "null",
    "\"\"",
    "\"x\"",
    "\"é\"",
    "\"\\n\\u00e9\\\"\"",
    "\"日本\"",
    "\"😀\""
  };
  private static final byte[] EDITS =
      "{}[]\":,.-+eE0123456789tfnrulasx\\/ \t\r\nu".getBytes(StandardCharsets.US_ASCII);
  private static final int[] ODD_BYTES = {
    0x00, 0x01, 0x0b, 0x1f, 0x7f, 0x80, 0xbf, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0xf0, 0x9f,
    0xf4, 0x90, 0xff, 0xef, 0xbb
  };

  private static String object(Random random, int depth) {
    StringBuilder b = new StringBuilder("{");
    int members = random.nextInt(depth == 0 ? 5 : 3);
    for (int k = 0; k < members; k++) {
      if (k > 0) {
        b.append(random.nextBoolean() ? "," : " , ");
      }
      b.append('"')
          .append("k")
          .append(random.nextInt(100))
          .append('"')
          .append(random.nextBoolean() ? ":" : " : ");
      b.append(value(random, depth + 1));
    }
    return b.append(random.nextInt(4) == 0 ? " }" : "}").toString();
  }

  private static String value(Random random, int depth) {
    int pick = random.nextInt(depth > 6 ? 10 : 14);
    if (pick < 10) {
      return ATOMS[random.nextInt(ATOMS.length)];
    }
    if (pick < 12) {
      return object(random, depth);
    }
    StringBuilder b = new StringBuilder("[");
    int items = random.nextInt(4);
    for (int k = 0; k < items; k++) {
      b.append(k > 0 ? "," : "").append(value(random, depth + 1));
    }
    return b.append("]").toString();
  }

  private static byte[] mutate(Random random, byte[] body) {
    int edits = random.nextInt(4); // 0: left valid
    byte[] out = body;
    for (int e = 0; e < edits && out.length > 0; e++) {
      int at = random.nextInt(out.length + 1);
      byte b =
          random.nextInt(5) == 0
              ? (byte) ODD_BYTES[random.nextInt(ODD_BYTES.length)]
              : EDITS[random.nextInt(EDITS.length)];
      byte[] next;
      switch (random.nextInt(3)) {
        case 0 -> { // insert
          next = new byte[out.length + 1];
          System.arraycopy(out, 0, next, 0, at);
          next[at] = b;
          System.arraycopy(out, at, next, at + 1, out.length - at);
        }
        case 1 -> { // delete
          at = Math.min(at, out.length - 1);
          next = new byte[out.length - 1];
          System.arraycopy(out, 0, next, 0, at);
          System.arraycopy(out, at + 1, next, at, out.length - at - 1);
        }
        default -> { // replace
          at = Math.min(at, out.length - 1);
          next = out.clone();
          next[at] = b;
        }
      }
      out = next;
    }
    return out;
  }

  private static int[] cuts(Random random, int length) {
    if (length < 2) {
      return new int[0];
    }
    return random.ints(random.nextInt(4), 1, length).sorted().distinct().toArray();
  }

  private static String printable(byte[] input) {
    StringBuilder b = new StringBuilder();
    for (byte value : input) {
      int c = value & 0xFF;
      b.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02x", c));
    }
    return b.toString();
  }
}
