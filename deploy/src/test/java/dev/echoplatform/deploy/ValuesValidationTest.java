package dev.echoplatform.deploy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad values fail at install time (values.schema.json, or the chart's own checks) with a message
 * naming the problem.
 */
class ValuesValidationTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      replicaCount: 0                                   | at '/replicaCount': minimum: got 0, want 1
      replicaCount: two                                 | at '/replicaCount': got string, want integer
      logLevel: verbose                                 | at '/logLevel': value must be one of 'trace', 'debug'
      image: {pullPolicy: Sometimes}                    | at '/image/pullPolicy': value must be one of
      image: {digest: "md5:abc"}                        | at '/image/digest': 'md5:abc' does not match pattern
      watchNamespaces: [Echo_Dev]                       | at '/watchNamespaces/0': 'Echo_Dev' does not match pattern
      watchNamespaces: [echo-dev, echo-dev]             | at '/watchNamespaces': items at 0 and 1 are equal
      managementPort: 80                                | at '/managementPort': minimum
      reconcileConcurrency: 1001                        | at '/reconcileConcurrency': maximum
      resources: {limits: {memory: null}}               | at '/resources/limits': missing property 'memory'
      resources: {limits: {memory: lots}}               | 'lots' does not match pattern
      jvm: {maxRamPercentage: 95}                       | at '/jvm/maxRamPercentage': maximum
      podDisruptionBudget: {maxUnavailable: 0}          | at '/podDisruptionBudget/maxUnavailable'
      networkPolicy: {apiServer: {cidrs: [10.0.0.1]}}   | at '/networkPolicy/apiServer/cidrs/0'
      metrics: {serviceMonitor: {interval: soon}}       | at '/metrics/serviceMonitor/interval'
      crds: {install: yes-please}                       | at '/crds/install': got string, want boolean
      replicas: 3                                       | additional properties 'replicas' not allowed
      leaderElection: {enabled: false}                  | replicaCount is 2 but leaderElection.enabled is false
      """)
  void rejectsBadValuesNamingTheProblem(String values, String expectedInMessage) {
    assertThatThrownBy(() -> RenderedChart.render(values))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(expectedInMessage);
  }
}
