package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * {@link QuickJson} on arbitrary bytes cut into arbitrary segments: it never throws, its verdict
 * does not depend on the cuts, and whatever it accepts the full check accepts too. Replayed from
 * the checked-in inputs in every build; the fuzz profile mutates them for a bounded time.
 */
class QuickJsonFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void acceptsNothingTheFullCheckRefuses(FuzzedDataProvider data) {
    int cut = data.consumeInt(0, 4096);
    byte[] body = data.consumeRemainingAsBytes();
    if (body.length == 0) {
      return;
    }
    boolean whole = QuickJsonTest.quick(body);
    if (cut > 0 && cut < body.length) {
      assertThat(QuickJsonTest.quick(body, cut)).isEqualTo(whole);
    }
    if (whole) {
      assertThat(QuickJsonTest.full(body)).isNull();
    }
  }
}
