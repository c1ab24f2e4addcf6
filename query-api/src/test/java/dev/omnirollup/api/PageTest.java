package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.ScratchDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The dashboard page: public, exact files with their types and caching headers, and no way to reach other files. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PageTest {
    ScratchDatabase scratch;
    TestApi api;

    @BeforeAll
    void start() {
        scratch = TestApi.freshDatabase();
        api = TestApi.start(scratch, true, InstantSource.fixed(Instant.parse("2026-02-12T15:37:00Z")), Map.of(),
                Optional.empty());
    }

    @AfterAll
    void stop() {
        api.close();
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = PageTest.class.getClassLoader().getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void thePageAndItsAssetsArePublic() throws IOException {
        Map<String, String> types = Map.of("/", "text/html; charset=utf-8",
                "/assets/app.js", "text/javascript; charset=utf-8",
                "/assets/app.css", "text/css; charset=utf-8",
                "/assets/favicon.svg", "image/svg+xml");
        for (Map.Entry<String, String> file : types.entrySet()) {
            TestApi.Reply reply = api.get(file.getKey(), Map.of());
            assertEquals(200, reply.status(), file.getKey());
            assertEquals(file.getValue(), reply.header("content-type").orElseThrow(), file.getKey());
            assertEquals("no-cache", reply.header("cache-control").orElseThrow());
            String policy = reply.header("content-security-policy").orElseThrow();
            assertTrue(policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"), policy);
            assertEquals("nosniff", reply.header("x-content-type-options").orElseThrow());
            String etag = reply.header("etag").orElseThrow();
            TestApi.Reply again = api.get(file.getKey(), Map.of("If-None-Match", etag));
            assertEquals(304, again.status());
            assertEquals("", again.body());
        }
        String html = api.get("/", Map.of()).body();
        assertEquals(new String(resource("web/index.html"), StandardCharsets.UTF_8), html);
        assertTrue(html.contains("<script src=\"/assets/app.js\" defer></script>"));
        assertFalse(html.contains("<script>"), "no inline script: the CSP forbids it");
        assertFalse(html.contains("style=\""), "no inline style: the CSP forbids it");
    }

    @Test
    void noPathReachesAnythingElse() throws IOException {
        List<byte[]> served = List.of(resource("web/index.html"), resource("web/app.js"), resource("web/app.css"),
                resource("web/favicon.svg"));
        List<String> attempts = List.of(
                "/assets/../openapi.yaml",
                "/assets/..%2fopenapi.yaml",
                "/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                "/assets/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
                "/..%2f..%2f..%2f..%2fetc%2fpasswd",
                "/../../../../etc/passwd",
                "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                "/assets/%252e%252e/openapi.yaml",
                "/assets/..\\..\\openapi.yaml",
                "/assets/app.js/../../openapi.yaml",
                "/assets/app.js%00.html",
                "/assets/",
                "/assets",
                "/web/index.html",
                "/index.html",
                "/openapi.yaml",
                "/omni-rollup-version.properties",
                "/dev/omnirollup/api/QueryApi.class",
                "/assets/../dev/omnirollup/api/QueryApi.class",
                "/assets/%2e%2e/dev/omnirollup/api/QueryApi.class",
                "/META-INF/MANIFEST.MF",
                "//etc/passwd",
                "/assets//app.js/..%2f..%2fweb/index.html");
        for (String path : attempts) {
            Raw reply = raw(path);
            if (reply.status() == 200) {
                assertTrue(served.stream().anyMatch(file -> Arrays.equals(file, reply.body())),
                        path + " answered 200 with something that is not one of the page's files");
            } else {
                assertTrue(reply.status() >= 400 && reply.status() < 500, path + " -> " + reply.status());
                String text = new String(reply.body(), StandardCharsets.UTF_8);
                assertFalse(text.contains("root:") || text.contains("openapi:") || text.contains("version=")
                        || text.contains("CAFEBABE") || text.contains("<html"), path + ": " + text);
            }
        }
    }

    record Raw(int status, byte[] body) {
    }

    /** One request with the path sent exactly as given (no client-side normalization). */
    private Raw raw(String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", api.server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.write(b);
            }
            String headers = head.toString(StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(headers.substring(9, 12), 10);
            String lower = headers.toLowerCase(Locale.ROOT);
            if (lower.contains("transfer-encoding: chunked")) {
                return new Raw(status, unchunk(in));
            }
            int at = lower.indexOf("content-length:");
            int length = at < 0 ? 0 : Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
            return new Raw(status, in.readNBytes(length));
        }
    }

    private static byte[] unchunk(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            int size = line.isEmpty() ? 0 : Integer.parseInt(line.toString().trim(), 16);
            if (size == 0) {
                return out.toByteArray();
            }
            out.write(in.readNBytes(size));
            in.readNBytes(2);
        }
    }
}
