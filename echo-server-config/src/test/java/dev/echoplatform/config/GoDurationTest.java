package dev.echoplatform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoDurationTest {

  @ParameterizedTest(name = "{0} = {1} ns")
  @CsvSource({
    "0, 0",
    "+0, 0",
    "0s, 0",
    "5s, 5000000000",
    "250ms, 250000000",
    "1m30s, 90000000000",
    "1h, 3600000000000",
    "1.5h, 5400000000000",
    "1h2m3s4ms5us6ns, 3723004005006",
    ".5s, 500000000",
    "1.s, 1000000000",
    "2us, 2000",
    "2\u00b5s, 2000",
    "2\u03bcs, 2000",
    "100ns, 100",
    "1m, 60000000000",
    "24h, 86400000000000",
    "0.000000001s, 1",
  })
  void parsesGoSyntax(String text, long nanos) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest(name = "\"{0}\" is rejected: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "5 | missing unit",
        "10 | missing unit",
        "'' | empty",
        "s | expected a number",
        "5x | unknown unit",
        "5sec | unknown unit",
        "-5s | negative",
        "- | negative",
        "+ | missing number",
        "1h1 | missing unit",
        ". | expected a number",
        "5 s | unknown unit",
        "25h | longer than 24h",
        "1S | unknown unit",
      })
  void rejectsInvalid(String text, String reason) {
    assertThatThrownBy(() -> GoDuration.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
  }

  @ParameterizedTest(name = "{0} formats as {1}")
  @CsvSource({"0, 0s", "5000, 5s", "250, 250ms", "90000, 1m30s", "3600000, 1h0m0s", "1500, 1.5s"})
  void formatsLikeGo(long millis, String text) {
    assertThat(GoDuration.format(Duration.ofMillis(millis))).isEqualTo(text);
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void theBoundIsWrittenAsItIs() {
    assertThat(GoDuration.parse(GoDuration.MAX_TEXT)).isEqualTo(GoDuration.MAX);
  }
}
