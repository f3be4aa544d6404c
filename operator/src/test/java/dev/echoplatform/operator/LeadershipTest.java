package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeadershipTest {

  final List<Integer> exits = new ArrayList<>();

  @Test
  void followsTheLeaderElectionCallbacks() {
    Leadership leadership = new Leadership(false, exits::add);
    assertThat(leadership.isLeading()).isFalse();
    leadership.leadershipChanged(true);
    assertThat(leadership.isLeading()).isTrue();
    assertThat(exits).isEmpty();
  }

  @Test
  void losingTheLeaseWhileRunningExitsWithStatus1() {
    Leadership leadership = new Leadership(false, exits::add);
    leadership.leadershipChanged(true);
    leadership.leadershipChanged(false);
    assertThat(leadership.isLeading()).isFalse();
    assertThat(exits).containsExactly(1);
  }

  @Test
  void leaderElectionEndingBeforeLeadingExitsToo() {
    Leadership leadership = new Leadership(false, exits::add);
    leadership.leadershipChanged(false);
    assertThat(exits).containsExactly(1);
  }

  @Test
  void stoppingToLeadDuringShutdownDoesNotExit() {
    Leadership leadership = new Leadership(false, exits::add);
    leadership.leadershipChanged(true);
    leadership.shuttingDown();
    leadership.leadershipChanged(false);
    assertThat(leadership.isLeading()).isFalse();
    assertThat(exits).isEmpty();
  }

  @Test
  void withoutLeaderElectionTheReplicaLeadsFromTheStart() {
    assertThat(new Leadership(true, exits::add).isLeading()).isTrue();
  }
}
