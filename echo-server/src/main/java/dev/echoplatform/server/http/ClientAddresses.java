package dev.echoplatform.server.http;

import dev.echoplatform.config.Cidr;
import dev.echoplatform.config.IpLiterals;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Chooses the client address used for rate limiting and logging. It is the TCP peer, unless the
 * peer is one of the TRUSTED_PROXIES: then X-Forwarded-For is walked from the right (the entry
 * appended by the nearest proxy) and the first entry that is not itself a trusted proxy is the
 * client. Entries left of it are ignored because the client can write anything there. With no
 * trusted proxies the header is never read.
 */
public final class ClientAddresses {

  private static final int MAX_FORWARDED_ENTRIES = 32;

  private final List<Cidr> trusted;

  public ClientAddresses(List<Cidr> trusted) {
    this.trusted = List.copyOf(trusted);
  }

  public InetAddress resolve(HttpServerExchange exchange) {
    InetSocketAddress peer = exchange.getSourceAddress();
    InetAddress client = peer == null ? InetAddress.getLoopbackAddress() : peer.getAddress();
    if (trusted.isEmpty() || !isTrusted(client)) {
      return client;
    }
    HeaderValues values = exchange.getRequestHeaders().get(Headers.X_FORWARDED_FOR);
    if (values == null) {
      return client;
    }
    int seen = 0;
    for (int v = values.size() - 1; v >= 0; v--) {
      String[] entries = values.get(v).split(",");
      for (int i = entries.length - 1; i >= 0; i--) {
        if (++seen > MAX_FORWARDED_ENTRIES) {
          return client;
        }
        InetAddress hop = IpLiterals.parse(entries[i].trim());
        if (hop == null) {
          return client; // unparsable: stop at the last address a trusted proxy vouched for
        }
        client = hop;
        if (!isTrusted(hop)) {
          return client;
        }
      }
    }
    return client;
  }

  private boolean isTrusted(InetAddress address) {
    for (Cidr cidr : trusted) {
      if (cidr.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
