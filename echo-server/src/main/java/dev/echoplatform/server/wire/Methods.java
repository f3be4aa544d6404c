package dev.echoplatform.server.wire;

import java.util.Set;

/** The request methods the server implements (RFC 9110 §9; case-sensitive). Others are answered 501. */
public final class Methods {

    /** CONNECT is not among them: the server is no proxy, and an authority-form target is refused with it. */
    static final Set<String> IMPLEMENTED = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE");

    private Methods() {
    }

    public static boolean isImplemented(String method) {
        return IMPLEMENTED.contains(method);
    }
}
