package dev.echoplatform.config;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}); a bare address
 * is a single host.
 */
public final class Cidr {

  private final byte[] network;
  private final int prefixLength;
  private final String text;

  private Cidr(byte[] network, int prefixLength, String text) {
    this.network = network;
    this.prefixLength = prefixLength;
    this.text = text;
  }

  /**
   * @throws IllegalArgumentException when {@code text} is not an IP literal with an optional
   *     in-range prefix length
   */
  public static Cidr parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String addressText = slash < 0 ? t : t.substring(0, slash);
    InetAddress address = IpLiterals.parse(addressText);
    if (address == null) {
      throw new IllegalArgumentException("\"" + addressText + "\" is not an IP address");
    }
    byte[] bytes = address.getAddress();
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException("\"" + p + "\" is not a prefix length");
      }
      prefix = Integer.parseInt(p);
      if (prefix > max) {
        throw new IllegalArgumentException("prefix length " + prefix + " exceeds " + max);
      }
    }
    return new Cidr(mask(bytes, prefix), prefix, t);
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] out = Arrays.copyOf(bytes, bytes.length);
    for (int i = 0; i < out.length; i++) {
      int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] = (byte) (out[i] & (0xFF << (8 - bitsHere)));
    }
    return out;
  }

  /**
   * Whether {@code address} lies inside this network (IPv4-mapped IPv6 addresses are compared as
   * IPv4).
   */
  public boolean contains(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length != network.length) {
      return false;
    }
    int fullBytes = prefixLength / 8;
    for (int i = 0; i < fullBytes; i++) {
      if (bytes[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int m = 0xFF << (8 - rest) & 0xFF;
    return (bytes[fullBytes] & m) == (network[fullBytes] & 0xFF);
  }

  @Override
  public String toString() {
    return text;
  }
}
