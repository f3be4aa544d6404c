package dev.echoplatform.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ApiDiscoverySourceTest {

  private final AtomicReference<Object> answer = new AtomicReference<>(false);
  private final List<ResourceID> reconciled = new ArrayList<>();
  private final ApiDiscoverySource source =
      new ApiDiscoverySource("PodMonitor", Duration.ofHours(1));

  ApiDiscoverySourceTest() {
    source.bind(
        () -> {
          if (answer.get() instanceof RuntimeException e) {
            throw e;
          }
          return (Boolean) answer.get();
        },
        () -> Stream.of(new ResourceID("a", "ns1"), new ResourceID("b", "ns2")));
    source.setEventHandler((Event e) -> reconciled.add(e.getRelatedCustomResourceID()));
  }

  @Test
  void everyEchoServiceIsReconciledWhenTheAnswerChangesAndOnlyThen() {
    assertThat(source.check()).isFalse();
    assertThat(reconciled).as("the first answer is seen by the initial reconciles").isEmpty();
    assertThat(source.check()).isFalse();
    assertThat(reconciled).isEmpty();

    answer.set(true);
    assertThat(source.check()).isTrue();
    assertThat(reconciled).containsExactly(new ResourceID("a", "ns1"), new ResourceID("b", "ns2"));
    assertThat(source.present()).isTrue();

    reconciled.clear();
    assertThat(source.check()).isTrue();
    assertThat(reconciled).isEmpty();

    answer.set(false);
    assertThat(source.check()).isFalse();
    assertThat(reconciled).hasSize(2);
    assertThat(source.present()).isFalse();
  }

  @Test
  void aFailedQuestionKeepsThePreviousAnswer() {
    answer.set(true);
    source.check();
    answer.set(new IllegalStateException("discovery unavailable"));
    assertThat(source.check()).isTrue();
    assertThat(source.present()).isTrue();
    assertThat(reconciled).isEmpty();
  }

  @Test
  void aReconcileBeforeTheFirstCheckAsksAtOnce() {
    answer.set(true);
    assertThat(source.present()).isTrue();
    answer.set(false);
    assertThat(source.present()).as("kept until the next check").isTrue();
    assertThat(reconciled).isEmpty();
  }

  @Test
  void theTimerChecksFromTheStartAndStops() throws Exception {
    ApiDiscoverySource fast = new ApiDiscoverySource("PodMonitor", Duration.ofMillis(20));
    AtomicReference<Boolean> served = new AtomicReference<>(false);
    List<ResourceID> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    fast.bind(served::get, () -> Stream.of(new ResourceID("a", "ns1")));
    fast.setEventHandler(e -> seen.add(e.getRelatedCustomResourceID()));
    fast.start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (fast.present() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      served.set(true);
      while (seen.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(seen).containsExactly(new ResourceID("a", "ns1"));
    } finally {
      fast.stop();
    }
    assertThat(fast.isRunning()).isFalse();
  }

  @Test
  void startingUnboundIsAProgrammingError() {
    assertThatThrownBy(() -> new ApiDiscoverySource("PodMonitor", Duration.ofSeconds(1)).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bind");
  }
}
