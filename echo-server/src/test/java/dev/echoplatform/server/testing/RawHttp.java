package dev.echoplatform.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** HTTP/1.1 over a plain socket: full control of framing (chunked, bad lengths, slow writes). */
public final class RawHttp {

  private RawHttp() {}

  public record Response(int status, Map<String, List<String>> headers, byte[] body) {
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.get(0);
    }

    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  public static Socket connect(int port) throws IOException {
    return connectFrom(null, port);
  }

  /**
   * Connects from a chosen local address (any of 127.0.0.0/8 works on Linux): another client, as
   * the server sees it.
   */
  public static Socket connectFrom(String localAddress, int port) throws IOException {
    Socket socket = new Socket();
    if (localAddress != null) {
      socket.bind(new InetSocketAddress(localAddress, 0));
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  /**
   * Sends {@code method path} with the given extra header lines and body (Content-Length set when
   * body != null).
   */
  public static Response request(
      int port, String method, String path, byte[] body, String... headerLines) throws IOException {
    try (Socket socket = connect(port)) {
      StringBuilder head =
          new StringBuilder(
              method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
      for (String h : headerLines) {
        head.append(h).append("\r\n");
      }
      if (body != null) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        out.write(body);
      }
      out.flush();
      return read(socket.getInputStream(), method.equals("HEAD"));
    }
  }

  public static Response postJson(int port, String body) throws IOException {
    return request(
        port,
        "POST",
        "/echo",
        body.getBytes(StandardCharsets.UTF_8),
        "Content-Type: application/json");
  }

  public static Response postJson(int port, byte[] body) throws IOException {
    return request(port, "POST", "/echo", body, "Content-Type: application/json");
  }

  /** Sends raw bytes (the caller writes the whole request) and reads one response. */
  public static Response raw(int port, byte[] request) throws IOException {
    try (Socket socket = connect(port)) {
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      return read(socket.getInputStream(), false);
    }
  }

  /** One response to raw bytes, and whether the server closed the connection after it. */
  public record Outcome(Response response, boolean closed) {}

  /**
   * Sends raw bytes, reads one response, then waits (at most 3 s) for the server to close the
   * connection. A reset counts as closed; the response must have arrived before it.
   */
  public static Outcome rawThenClose(int port, byte[] request) throws IOException {
    try (Socket socket = connect(port)) {
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      Response response = read(in, false);
      socket.setSoTimeout(3000);
      boolean closed;
      try {
        closed = in.read() == -1;
      } catch (java.net.SocketTimeoutException e) {
        closed = false;
      } catch (java.net.SocketException e) {
        closed = true;
      }
      return new Outcome(response, closed);
    }
  }

  /** Encodes {@code body} as chunks of {@code chunkSize} bytes followed by the last chunk. */
  public static byte[] chunked(byte[] body, int chunkSize) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < body.length; i += chunkSize) {
      int n = Math.min(chunkSize, body.length - i);
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body, i, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  public static Response read(InputStream in, boolean head) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    String line;
    while ((line = line(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      headers
          .computeIfAbsent(
              line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
    byte[] body = new byte[0];
    List<String> length = headers.get("content-length");
    if (!head && length != null) {
      body = in.readNBytes(Integer.parseInt(length.get(0)));
    } else if (!head && "chunked".equalsIgnoreCase(first(headers, "transfer-encoding"))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (true) {
        int n = Integer.parseInt(line(in).trim(), 16);
        if (n == 0) {
          line(in);
          break;
        }
        out.write(in.readNBytes(n));
        line(in);
      }
      body = out.toByteArray();
    }
    return new Response(status, headers, body);
  }

  private static String first(Map<String, List<String>> headers, String name) {
    List<String> v = headers.get(name);
    return v == null ? null : v.get(0);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int len = b.length();
        return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }
}
