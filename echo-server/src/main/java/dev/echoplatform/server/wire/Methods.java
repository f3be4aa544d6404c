package dev.echoplatform.server.wire;

/**
 * Request methods (RFC 9110 §9): any token is a method, matched case-sensitively by the router (405
 * where a path does not serve it). CONNECT alone is refused with 501 before routing: the server is
 * no proxy, and its authority-form target is not a path.
 */
public final class Methods {

  private Methods() {}

  public static boolean isImplemented(String method) {
    return !method.equals("CONNECT");
  }
}
