package dev.echoplatform.server.wire;

import java.nio.ByteBuffer;

/**
 * The buffer that bytes read only to be dropped (the rest of a refused request) are read into: one
 * per thread, shared by all the connections that thread serves, instead of one per discarding
 * connection. Discarding is bounded by the read, not by memory: 64 KiB per read keeps the syscalls
 * per discarded MiB low (16) when many large refused bodies arrive at once on a CPU-limited pod.
 */
public final class DiscardBuffer {

  static final int SIZE = 64 * 1024;

  private static final ThreadLocal<ByteBuffer> BUFFER =
      ThreadLocal.withInitial(() -> ByteBuffer.allocate(SIZE));

  private DiscardBuffer() {}

  /**
   * The calling thread's discard buffer, cleared. Its content is garbage; never keep a reference.
   */
  public static ByteBuffer get() {
    ByteBuffer buffer = BUFFER.get();
    buffer.clear();
    return buffer;
  }
}
