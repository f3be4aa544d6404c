package dev.echoplatform.server.http;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A request body held as a list of byte-array segments, filled in place by channel reads. Segments
 * are allocated as bytes arrive: the first holds at most {@value #FIRST_SEGMENT} bytes (or the
 * whole declared body if smaller), and each next one at most as many as were received before it (up
 * to {@value #MAX_SEGMENT}), so the memory held never exceeds twice the bytes actually received
 * plus {@value #FIRST_SEGMENT}, whatever length the client declared. Nothing is ever copied to
 * grow: the echo is written from the segments with one gathering write.
 */
final class BodyBuffer {

  static final int FIRST_SEGMENT = 1024;
  static final int MAX_SEGMENT = 64 * 1024;

  private static final byte[][] NONE = new byte[0][];

  private byte[][] segments = new byte[4][];
  private int count;

  /** Bytes in the last segment. */
  private int fill;

  private long length;
  private long capacity;

  /** Bytes received so far. */
  long length() {
    return length;
  }

  /** Bytes allocated (what the body budget must cover). */
  long capacity() {
    return capacity;
  }

  /**
   * Whether the last segment is full (or there is none): {@link #addSegment} must come before the
   * next read.
   */
  boolean needsSegment() {
    return count == 0 || fill == segments[count - 1].length;
  }

  /**
   * Size of the next segment for a body of {@code declared} bytes (-1: unknown) with at most {@code
   * limit}.
   */
  int nextSegmentSize(long declared, long limit) {
    long wanted = Math.max(FIRST_SEGMENT, Math.min(length, MAX_SEGMENT));
    long left = (declared >= 0 ? declared : limit) - length;
    return (int) Math.max(1, Math.min(wanted, left));
  }

  void addSegment(int size) {
    if (count == segments.length) {
      segments = Arrays.copyOf(segments, count * 2);
    }
    segments[count++] = new byte[size];
    fill = 0;
    capacity += size;
  }

  /** The free part of the last segment, for a channel read. */
  ByteBuffer writable() {
    byte[] last = segments[count - 1];
    return ByteBuffer.wrap(last, fill, last.length - fill);
  }

  /** Records {@code n} bytes read into {@link #writable()}. */
  void filled(int n) {
    fill += n;
    length += n;
  }

  byte byteAt(long index) {
    for (int s = 0; s < count; s++) {
      int n = s == count - 1 ? fill : segments[s].length;
      if (index < n) {
        return segments[s][(int) index];
      }
      index -= n;
    }
    throw new IndexOutOfBoundsException();
  }

  int segmentCount() {
    return count;
  }

  byte[] segment(int s) {
    return segments[s];
  }

  int segmentLength(int s) {
    return s == count - 1 ? fill : segments[s].length;
  }

  /** The filled parts of the segments, for a gathering write. */
  ByteBuffer[] asBuffers() {
    ByteBuffer[] out = new ByteBuffer[count];
    for (int s = 0; s < count; s++) {
      out[s] = ByteBuffer.wrap(segments[s], 0, segmentLength(s));
    }
    return out;
  }

  /** The body as a stream (for the parser when it spans several segments). */
  InputStream inputStream() {
    return new InputStream() {
      private int s;
      private int pos;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        while (s < count && pos == segmentLength(s)) {
          s++;
          pos = 0;
        }
        if (s == count) {
          return -1;
        }
        int n = Math.min(len, segmentLength(s) - pos);
        System.arraycopy(segments[s], pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  /** Drops every segment; returns the capacity that was held. */
  long clear() {
    long held = capacity;
    segments = NONE;
    count = 0;
    fill = 0;
    capacity = 0;
    return held;
  }
}
