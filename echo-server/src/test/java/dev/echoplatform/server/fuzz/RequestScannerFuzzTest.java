package dev.echoplatform.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.echoplatform.server.wire.RequestScanner;
import dev.echoplatform.server.wire.Violation;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * The request scanner on arbitrary bytes, cut into arbitrary pieces: it never throws, never stops
 * outside the range it was given, and every refusal has a status of its documented set and a
 * message. The same input scanned whole and in pieces reaches the same verdict (the scanner's state
 * carries across reads).
 */
class RequestScannerFuzzTest {

  private static final Set<Integer> STATUSES = Set.of(400, 414, 431, 501, 505);

  @FuzzTest(maxDuration = "45s")
  void scansAnyInputSafely(FuzzedDataProvider data) {
    int piece = 1 + data.consumeInt(0, 8191);
    byte[] input = data.consumeRemainingAsBytes();
    Outcome whole = scan(input, Integer.MAX_VALUE);
    Outcome pieces = scan(input, piece);
    assertThat(pieces.violation == null).isEqualTo(whole.violation == null);
    assertThat(pieces.messages).isEqualTo(whole.messages);
    if (whole.violation != null) {
      assertThat(STATUSES).contains(whole.violation.status());
      assertThat(whole.violation.message()).isNotBlank();
      assertThat(pieces.violation.status()).isEqualTo(whole.violation.status());
      // A refusal found at the end of a header section is reported at its empty line's CR, unless
      // that CR
      // was already passed on with an earlier piece: then at the LF right after it.
      boolean crAlreadyPassed = pieces.stop == whole.stop + 1 && input[whole.stop] == '\r';
      assertThat(pieces.stop == whole.stop || crAlreadyPassed)
          .as("stop at %d whole, %d in pieces of %d", whole.stop, pieces.stop, piece)
          .isTrue();
    }
  }

  private record Outcome(Violation violation, long messages, int stop) {}

  private static Outcome scan(byte[] input, int piece) {
    RequestScanner scanner = new RequestScanner();
    ByteBuffer buf = ByteBuffer.wrap(input);
    int skipped = 0;
    for (int from = 0; from < input.length; from += piece) {
      int to = (int) Math.min(input.length, (long) from + piece);
      int at = from;
      while (true) {
        RequestScanner.Result r = scanner.scan(buf, at, to);
        assertThat(scanner.position()).isBetween(at, to);
        if (r == RequestScanner.Result.ACCEPT) {
          assertThat(scanner.position()).isEqualTo(to);
          break;
        }
        if (r == RequestScanner.Result.VIOLATION) {
          assertThat(scanner.violation()).isNotNull();
          return new Outcome(scanner.violation(), scanner.completedMessages(), scanner.position());
        }
        assertThat(scanner.skipFrom()).isBetween(at, scanner.position());
        skipped += scanner.position() - scanner.skipFrom();
        at = scanner.position();
      }
    }
    return new Outcome(null, scanner.completedMessages(), input.length + skipped * 0);
  }
}
