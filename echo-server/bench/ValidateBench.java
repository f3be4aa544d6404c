// The JSON check of /echo on its own, per body, on one core with the image's JIT (C1 only):
//
//   taskset -c 1 /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx41m \
//     -cp echo-server/target/echo-server.jar echo-server/bench/ValidateBench.java [jar-label]
//
// (a single-file source program: the JDK compiles it at launch). Prints the time per validation of a 1 KiB object
// (one long string, the benchmark's body) and of a 135-byte object with numbers, literals, nesting and non-ASCII
// text, after warm-up rounds. Pass another build's jar with -cp to compare two builds.
import dev.echoplatform.server.http.JsonValidator;

import java.nio.charset.StandardCharsets;

public class ValidateBench {
    public static void main(String[] args) {
        JsonValidator validator = new JsonValidator(64, 1 << 20);
        byte[] plain = ("{\"payload\":\"" + "x".repeat(1024 - 14) + "\"}").getBytes(StandardCharsets.US_ASCII);
        byte[] mixed = ("{\"id\":12345,\"name\":\"caf\u00e9 na\u00efve\",\"tags\":[\"a\",\"b\",\"c\"],\"nested\":{\"x\":1.5,"
                + "\"y\":-2e3,\"ok\":true,\"none\":null},\"list\":[1,2,3,4,5,6,7,8,9,10]}").getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(args.length > 0 ? args[0] + ": " : "");
        for (byte[] body : new byte[][] {plain, mixed}) {
            double micros = 0;
            for (int round = 0; round < 5; round++) {
                int n = 300_000;
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    if (validator.validate(body, body.length) != null) {
                        throw new AssertionError("refused: " + new String(body, StandardCharsets.UTF_8));
                    }
                }
                micros = (System.nanoTime() - start) / 1e3 / n;
            }
            out.append(String.format("%d bytes %.2f us  ", body.length, micros));
        }
        System.out.println(out.toString().trim());
    }
}
