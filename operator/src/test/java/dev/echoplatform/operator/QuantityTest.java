package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Quantities and the CEL quantity library. The expected values are k8s.io/apimachinery v0.36.3's
 * resource.ParseQuantity, AsDec and AsApproximateFloat64 on the same strings.
 */
class QuantityTest {

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      0                      | 0                     | 0
      100m                   | 0.1                   | 0.1
      0.5                    | 0.5                   | 0.5
      .5                     | 0.5                   | 0.5
      5.                     | 5                     | 5
      +1                     | 1                     | 1
      128Mi                  | 134217728             | 1.34217728e+08
      1.5Gi                  | 1610612736            | 1.610612736e+09
      -1.5Mi                 | -1572864              | -1572864
      1e3                    | 1000                  | 1000
      1E-3                   | 0.001                 | 0.001
      2.5e2                  | 250                   | 250
      1n                     | 0.000000001           | 1e-09
      0.0000000001           | 0.000000001           | 1e-09
      3.3333333333n          | 0.000000004           | 4e-09
      1234567890123456789m   | 1234567890123456.789  | 1.234567890123457e+15
      10E                    | 10000000000000000000  | 1e+19
      20000000000000000000   | 20000000000000000000  | 2e+19
      99999999999999999999Ki | 9223372036854775807   | 9.223372036854776e+18
      8Ei                    | 9223372036854775807   | 9.223372036854776e+18
      Mi                     | 0                     | 0
      """)
  void parsesAsKubernetesDoes(String quantity, BigDecimal value, double approximate) {
    Quantity q = Quantity.parse(quantity);
    assertThat(q.value).isEqualByComparingTo(value);
    assertThat(q.asApproximateFloat()).isEqualTo(approximate);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      lots    | quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'
      1GB     | quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'
      1.5e1.5 | quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'
      1K      | unable to parse quantity's suffix
      1ki     | unable to parse quantity's suffix
      1e      | unable to parse quantity's suffix
      """)
  void refusesWhatKubernetesRefuses(String quantity, String error) {
    assertThatThrownBy(() -> Quantity.parse(quantity)).hasMessage(error);
    assertThatThrownBy(() -> Quantity.parse("")).hasMessage(Quantity.FORMAT_WRONG);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      quantity('500m').compareTo(quantity('0.5')) == 0 && quantity('1').compareTo(quantity('999m')) == 1
      quantity('1Ki').compareTo(quantity('1k')) == 1 && quantity('1k').compareTo(quantity('1Ki')) == -1
      quantity('1Gi').isGreaterThan(quantity('1G')) && quantity('1G').isLessThan(quantity('1Gi'))
      quantity('1.5').add(quantity('500m')) == quantity('2') && quantity('2').sub(1) == quantity('1')
      quantity('1').add(1).sub(quantity('2')) == quantity('0')
      sign(quantity('-1m')) == -1 && sign(quantity('0')) == 0 && sign(quantity('1Ei')) == 1
      quantity('128Mi').asApproximateFloat() == 134217728.0
      isQuantity('1.3Gi') && !isQuantity('200K') && !isQuantity('1,3G')
      """)
  void theCelLibraryComputesExactly(String rule) throws Exception {
    CelRules.Compiled compiled = CelRules.compile(rule, false);
    assertThat(compiled.error()).isNull();
    assertThat(compiled.eval(Map.of())).isEqualTo(true);
  }
}
