package dev.echoplatform.operator;

import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Before the operator starts: which API server, which Kubernetes version, and who the operator is
 * there (a SelfSubjectReview, Kubernetes 1.28+). Without this, an unreachable cluster showed only
 * after the informers' retries (about 20 s) as "Error starting operator"; now the first line names
 * the server and the cause, and the process exits.
 */
public final class ApiServerCheck {

  /** The API server could not be reached or refused the operator's credentials. */
  public static final class Unreachable extends Exception {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** What the check found, for the start-up log line. */
  public record Found(String url, String context, String version, String user) {
    @Override
    public String toString() {
      return "Kubernetes API server "
          + url
          + (context == null ? "" : " (context " + context + ")")
          + ", version "
          + version
          + ", as "
          + user;
    }
  }

  private ApiServerCheck() {}

  /**
   * Asks the API server {@code config} points at, without the client's retries (one attempt, 10 s
   * at most), so that a wrong kubeconfig or a server that is down fails at once.
   */
  public static Found check(Config config) throws Unreachable {
    String url = config.getMasterUrl();
    String context =
        config.getCurrentContext() == null ? null : config.getCurrentContext().getName();
    Config once =
        new ConfigBuilder(config)
            .withRequestRetryBackoffLimit(0)
            .withConnectionTimeout(5_000)
            .withRequestTimeout(10_000)
            .build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(once).build()) {
      String user;
      try {
        SelfSubjectReview review = client.resource(new SelfSubjectReviewBuilder().build()).create();
        user =
            review.getStatus() != null
                    && review.getStatus().getUserInfo() != null
                    && review.getStatus().getUserInfo().getUsername() != null
                ? review.getStatus().getUserInfo().getUsername()
                : "(unknown)";
      } catch (KubernetesClientException e) {
        if (e.getCode() <= 0 || e.getCode() == 401) {
          throw e; // no answer, or the credentials were refused
        }
        user = "(unknown: HTTP " + e.getCode() + ")"; // a server without the API, or not allowed
      }
      String version;
      try {
        version = client.getKubernetesVersion().getGitVersion();
      } catch (KubernetesClientException e) {
        version = null;
      }
      return new Found(url, context, version == null ? "(unknown)" : version, user);
    } catch (KubernetesClientException e) {
      throw new Unreachable(
          "cannot reach the Kubernetes API server at "
              + url
              + (context == null ? "" : " (kubeconfig context " + context + ")")
              + ": "
              + why(e)
              + "; check KUBECONFIG or the in-cluster service account",
          e);
    }
  }

  /** The HTTP status, or the network error that prevented one (the first cause that says what). */
  private static String why(KubernetesClientException e) {
    if (e.getCode() > 0) {
      return "HTTP "
          + e.getCode()
          + (e.getStatus() != null && e.getStatus().getMessage() != null
              ? ": " + e.getStatus().getMessage()
              : "");
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException
          || t instanceof java.net.UnknownHostException
          || t instanceof java.net.http.HttpTimeoutException
          || t instanceof javax.net.ssl.SSLException
          || t instanceof java.net.SocketTimeoutException) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
      }
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
