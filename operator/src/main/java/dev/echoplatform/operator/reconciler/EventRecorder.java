package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes core/v1 Events on EchoServices. Failures to record are logged, never thrown. */
public class EventRecorder {

  public static final String COMPONENT = "echo-operator";
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void normal(EchoService es, String reason, String message) {
    record(es, "Normal", reason, message);
  }

  public void warning(EchoService es, String reason, String message) {
    record(es, "Warning", reason, message);
  }

  private void record(EchoService es, String type, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String truncated = message.length() > 1024 ? message.substring(0, 1021) + "..." : message;
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                es.getMetadata().getName()
                    + "."
                    + UUID.randomUUID().toString().substring(0, 13).replace("-", ""))
            .withNamespace(es.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(es.getApiVersion())
                    .withKind(es.getKind())
                    .withName(es.getMetadata().getName())
                    .withNamespace(es.getMetadata().getNamespace())
                    .withUid(es.getMetadata().getUid())
                    .withResourceVersion(es.getMetadata().getResourceVersion())
                    .build())
            .withType(type)
            .withReason(reason)
            .withMessage(truncated)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(es.getMetadata().getNamespace()).resource(event).create();
    } catch (RuntimeException e) {
      log.warn(
          "could not record event {} on {}/{}: {}",
          reason,
          es.getMetadata().getNamespace(),
          es.getMetadata().getName(),
          e.getMessage());
    }
  }
}
