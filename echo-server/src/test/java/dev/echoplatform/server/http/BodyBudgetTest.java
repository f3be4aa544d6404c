package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class BodyBudgetTest {

  private static final InetAddress A = InetAddress.getLoopbackAddress();

  private static InetAddress b() throws Exception {
    return InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
  }

  @Test
  void aClientNeverHoldsMoreThanItsShareAndTheBudgetNeverMoreThanItsCapacity() throws Exception {
    BodyBudget budget = new BodyBudget(100, 40);
    assertThat(budget.tryReserve(A, 40)).isTrue();
    assertThat(budget.tryReserve(A, 1)).isFalse();
    assertThat(budget.available(A)).isZero();
    assertThat(budget.tryReserve(b(), 40)).isTrue();
    assertThat(budget.available(b())).isZero();
    InetAddress c = InetAddress.getByAddress(new byte[] {127, 0, 0, 3});
    assertThat(budget.available(c)).isEqualTo(20);
    assertThat(budget.tryReserve(c, 21)).isFalse();
    assertThat(budget.used()).isEqualTo(80); // a refused share leaves the total untouched
    assertThat(budget.tryReserve(c, 20)).isTrue();
    budget.release(A, 40);
    assertThat(budget.usedBy(A)).isZero();
    assertThat(budget.used()).isEqualTo(60);
    assertThat(budget.tryReserve(A, 40)).isTrue();
    assertThat(budget.tryReserve(A, 0)).isTrue();
    budget.release(A, 40);
    budget.release(b(), 40);
    budget.release(c, 20);
    assertThat(budget.used()).isZero();
    assertThatThrownBy(() -> budget.release(A, 1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theShareIsCappedAtTheCapacity() {
    BodyBudget budget = new BodyBudget(10, 1000);
    assertThat(budget.perClient()).isEqualTo(10);
    assertThat(budget.tryReserve(A, 10)).isTrue();
    assertThat(budget.tryReserve(A, 1)).isFalse();
  }
}
