package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.echoplatform.operator.reconciler.EchoServiceReconciler;
import java.net.URL;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's production logging configuration (src/main/resources/logback.xml), not the tests'.
 */
class LogbackConfigTest {

  LoggerContext context = new LoggerContext();
  ListAppender<ILoggingEvent> seen = new ListAppender<>();

  @BeforeEach
  void configure() throws Exception {
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    URL config = Path.of("src", "main", "resources", "logback.xml").toUri().toURL();
    configurator.doConfigure(config);
    seen.setContext(context);
    seen.start();
    context.getLogger("ROOT").addAppender(seen);
  }

  @Test
  void aFailedReconcileIsOneWarnLineWithoutTheSdksStackTrace() {
    Exception e = new IllegalStateException("NetworkPolicy: spec.ingress[0]: Invalid value");
    // What java-operator-sdk 5 logs for a failure it will retry, then what the reconciler logs.
    context
        .getLogger("io.javaoperatorsdk.operator.processing.event.EventProcessor")
        .warn(
            "Uncaught error during event processing {} - but another reconciliation will be attempted",
            "x",
            e);
    context
        .getLogger(EchoServiceReconciler.class)
        .warn(
            "reconciling EchoService {}/{} failed (will retry): {}",
            "team-a",
            "echo",
            e.getMessage());
    context.getLogger(EchoServiceReconciler.class).debug("reconcile failure", e);
    assertThat(seen.list)
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getLevel()).isEqualTo(Level.WARN);
              assertThat(event.getFormattedMessage())
                  .isEqualTo(
                      "reconciling EchoService team-a/echo failed (will retry): " + e.getMessage());
              assertThat(event.getThrowableProxy()).isNull();
            });
  }

  @Test
  void theSdksLastAttemptErrorAndTheOperatorsInfoStay() {
    context
        .getLogger("io.javaoperatorsdk.operator.processing.event.EventProcessor")
        .error("last attempt");
    context.getLogger(Main.class).info("Kubernetes API server ...");
    context
        .getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils")
        .warn("unstable version");
    assertThat(seen.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("last attempt", "Kubernetes API server ...");
  }
}
