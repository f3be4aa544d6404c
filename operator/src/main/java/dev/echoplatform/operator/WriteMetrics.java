package dev.echoplatform.operator;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts every request that writes to the API server (any method but GET) on the operator's own
 * client: {@value #NAME}, tagged with the method and the resource (with its subresource, e.g.
 * {@code echoservices/status}). An idle operator adds nothing to it but Lease renewals (resource
 * {@code leases}, with leader election); deploy/local/bench-operator.sh reads it to count idle
 * writes.
 */
public final class WriteMetrics implements Interceptor {

  public static final String NAME = "echo_operator_kubernetes_writes";

  private final MeterRegistry registry;

  public WriteMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * Installs the counter on a client builder ({@code
   * KubernetesClientBuilder.withHttpClientBuilderConsumer}).
   */
  public void install(HttpClient.Builder builder) {
    builder.addOrReplaceInterceptor("echo-operator-write-metrics", this);
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (!"GET".equals(request.method())) {
      Counter.builder(NAME)
          .description("Write requests (any method but GET) the operator sent to the API server")
          .tag("method", request.method())
          .tag("resource", resourceOf(request.uri().getPath()))
          .register(registry)
          .increment();
    }
  }

  /**
   * The resource of an API path, with its subresource: {@code
   * /apis/apps/v1/namespaces/ns/deployments/x} is {@code deployments}, {@code
   * .../echoservices/x/status} is {@code echoservices/status}, {@code /api/v1/namespaces/ns/events}
   * is {@code events}.
   */
  static String resourceOf(String path) {
    String[] p = path.split("/");
    if (p.length < 3) {
      return "unknown";
    }
    int i = "api".equals(p[1]) ? 3 : 4; // the segment after the (group and) version
    if (i + 1 < p.length && "namespaces".equals(p[i]) && i + 2 < p.length) {
      i += 2;
    }
    if (i >= p.length) {
      return "unknown";
    }
    return i + 2 < p.length ? p[i] + "/" + p[i + 2] : p[i];
  }
}
