package dev.echoplatform.server.http;

/** Strict UTF-8 well-formedness check (RFC 3629, Unicode table 3-7) that also refuses NUL bytes. */
final class Utf8 {

    private Utf8() {
    }

    /** @return the offset of the first byte that starts an ill-formed sequence (or is NUL), or -1 if all is well */
    static int firstInvalid(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i];
            if (c > 0) { // ASCII other than NUL: the common case
                i++;
                continue;
            }
            if (c == 0) {
                return i;
            }
            c &= 0xFF;
            if (c < 0xC2) {
                return i; // continuation byte without a lead, or overlong 2-byte lead
            }
            if (c < 0xE0) {
                if (i + 1 >= to || !cont(b[i + 1])) {
                    return i;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (i + 2 >= to) {
                    return i;
                }
                int c1 = b[i + 1] & 0xFF;
                if (!cont(b[i + 1]) || !cont(b[i + 2])
                        || (c == 0xE0 && c1 < 0xA0) // overlong
                        || (c == 0xED && c1 > 0x9F)) { // UTF-16 surrogate
                    return i;
                }
                i += 3;
            } else if (c < 0xF5) {
                if (i + 3 >= to) {
                    return i;
                }
                int c1 = b[i + 1] & 0xFF;
                if (!cont(b[i + 1]) || !cont(b[i + 2]) || !cont(b[i + 3])
                        || (c == 0xF0 && c1 < 0x90) // overlong
                        || (c == 0xF4 && c1 > 0x8F)) { // above U+10FFFF
                    return i;
                }
                i += 4;
            } else {
                return i;
            }
        }
        return -1;
    }

    private static boolean cont(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
