package dev.echoplatform.server.http;

import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.RawHttp.Response;
import dev.echoplatform.server.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** W3C Trace Context: a valid traceparent is kept and echoed, an invalid one ignored. */
class TraceContextTest {

    static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {VALID, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future-part",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
    void accepted(String value) {
        assertThat(RequestIdHandler.isTraceparent(value)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"})
    void refused(String value) {
        assertThat(RequestIdHandler.isTraceparent(value)).isFalse();
    }

    @Test
    void aValidTraceparentIsEchoedWithTheAnswer() throws Exception {
        Response r = RawHttp.request(server.port, "POST", "/echo", "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                "Content-Type: application/json", "traceparent: " + VALID);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("traceparent")).isEqualTo(VALID);
        assertThat(RawHttp.request(server.port, "GET", "/healthz", null, "traceparent: " + VALID)
                .header("traceparent")).isEqualTo(VALID);
    }

    @Test
    void anInvalidTraceparentIsIgnored() throws Exception {
        Response r = RawHttp.request(server.port, "GET", "/healthz", null,
                "traceparent: ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("traceparent")).isNull();
    }
}
