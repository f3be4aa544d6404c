package dev.echoplatform.server.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Wraps a response's sink to run {@code beforeLastBytes} once, just before the response's last
 * bytes are handed to the socket: before the write that completes a declared Content-Length, or
 * before the end of a response without one (a HEAD or empty response: its headers are what goes out
 * then). A client therefore cannot hold its complete answer while the request is not yet counted,
 * and a scrape that follows the answer sees it (recording at exchange completion, after the bytes
 * left, raced with such a scrape).
 */
final class RecordingSinkConduit extends AbstractStreamSinkConduit<StreamSinkConduit> {

  private final long contentLength;
  private final Runnable beforeLastBytes;
  private long written;
  private boolean done;

  RecordingSinkConduit(StreamSinkConduit next, long contentLength, Runnable beforeLastBytes) {
    super(next);
    this.contentLength = contentLength;
    this.beforeLastBytes = beforeLastBytes;
  }

  private void before(long bytes) {
    if (!done && contentLength >= 0 && written + bytes >= contentLength) {
      done = true;
      beforeLastBytes.run();
    }
  }

  private <T extends Number> T after(T n) {
    written += n.longValue();
    return n;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    before(src.remaining());
    return after(next.write(src));
  }

  @Override
  public long write(ByteBuffer[] srcs, int offs, int len) throws IOException {
    long total = 0;
    for (int i = offs; i < offs + len; i++) {
      total += srcs[i].remaining();
    }
    before(total);
    return after(next.write(srcs, offs, len));
  }

  @Override
  public int writeFinal(ByteBuffer src) throws IOException {
    before(src.remaining());
    finish();
    return after(next.writeFinal(src));
  }

  @Override
  public long writeFinal(ByteBuffer[] srcs, int offs, int len) throws IOException {
    finish();
    return after(next.writeFinal(srcs, offs, len));
  }

  @Override
  public long transferFrom(FileChannel src, long position, long count) throws IOException {
    before(count);
    return after(next.transferFrom(src, position, count));
  }

  @Override
  public long transferFrom(StreamSourceChannel source, long count, ByteBuffer throughBuffer)
      throws IOException {
    before(count);
    return after(next.transferFrom(source, count, throughBuffer));
  }

  @Override
  public void terminateWrites() throws IOException {
    finish();
    next.terminateWrites();
  }

  private void finish() {
    if (!done) {
      done = true;
      beforeLastBytes.run();
    }
  }
}
