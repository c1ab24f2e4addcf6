package dev.omnirollup.deploy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A deliberately dumb HTTP/1.1 client on a raw socket, so a test controls every byte of the request line (bad
 * percent-encodings, raw non-ASCII bytes, dot segments, huge targets) that {@link java.net.http.HttpClient} would
 * refuse or normalize. One request per connection. A {@code text/event-stream} response is returned after its headers
 * (the stream itself is not read). Thread-safe (stateless).
 */
final class RawHttp {
    private static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_BODY = 4 * 1024 * 1024;

    private RawHttp() {
    }

    /** A response; {@code status} is -1 when the server closed the connection without one. */
    record Response(int status, Map<String, List<String>> headers, byte[] body, long nanos) {
        Optional<String> header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }

        List<String> headers(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        double millis() {
            return nanos / 1e6;
        }
    }

    /** {@code GET target} with the given extra header lines ({@code "Name: value"}). */
    static Response get(int port, String target, List<String> headers, Duration timeout) {
        return send(port, "GET", target.getBytes(StandardCharsets.ISO_8859_1), headers, timeout);
    }

    /** Any method; {@code target} is written as is (bytes, not re-encoded). */
    static Response send(int port, String method, byte[] target, List<String> headers, Duration timeout) {
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) Math.min(timeout.toMillis(), 5_000));
            socket.setSoTimeout((int) timeout.toMillis());
            ByteArrayOutputStream request = new ByteArrayOutputStream(256 + target.length);
            request.writeBytes(method.getBytes(StandardCharsets.US_ASCII));
            request.write(' ');
            request.writeBytes(target);
            request.writeBytes(" HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: omni-rollup-reliability\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            for (String header : headers) {
                request.writeBytes(header.getBytes(StandardCharsets.UTF_8));
                request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            request.writeBytes("Connection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            out.write(request.toByteArray());
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = readHead(in);
            if (head.length == 0) {
                return new Response(-1, Map.of(), new byte[0], System.nanoTime() - start);
            }
            String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] statusLine = lines[0].split(" ", 3);
            int status = Integer.parseInt(statusLine[1]);
            Map<String, List<String>> parsed = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    parsed.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
                }
            }
            Response partial = new Response(status, parsed, new byte[0], 0);
            byte[] body;
            if (method.equals("HEAD") || status == 204 || status == 304 || status / 100 == 1) {
                body = new byte[0];
            } else if (partial.header("content-type").orElse("").startsWith("text/event-stream")) {
                body = new byte[0];
            } else if (partial.header("transfer-encoding").orElse("").equalsIgnoreCase("chunked")) {
                body = readChunked(in);
            } else if (partial.header("content-length").isPresent()) {
                body = in.readNBytes((int) Math.min(MAX_BODY, Long.parseLong(partial.header("content-length").get())));
            } else {
                body = in.readNBytes(MAX_BODY);
            }
            return new Response(status, parsed, body, System.nanoTime() - start);
        } catch (SocketTimeoutException e) {
            throw new AssertionError(method + " " + printable(target) + " got no complete answer within " + timeout, e);
        } catch (IOException e) {
            throw new AssertionError(method + " " + printable(target) + " failed: " + e, e);
        }
    }

    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(1024);
        int matched = 0;
        while (head.size() < MAX_HEAD) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                byte[] all = head.toByteArray();
                return Arrays.copyOf(all, all.length - 4);
            }
        }
        return head.toByteArray();
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (body.size() < MAX_BODY) {
            String size = readLine(in).trim();
            int semicolon = size.indexOf(';');
            int n = Integer.parseInt(semicolon < 0 ? size : size.substring(0, semicolon), 16);
            if (n == 0) {
                break;
            }
            body.writeBytes(in.readNBytes(n));
            readLine(in);
        }
        return body.toByteArray();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** The target with non-printable bytes as {@code \xNN}, for messages. */
    static String printable(byte[] target) {
        StringBuilder out = new StringBuilder();
        int limit = Math.min(target.length, 300);
        for (int i = 0; i < limit; i++) {
            int b = target[i] & 0xff;
            out.append(b >= 0x21 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return target.length > limit ? out + "…(" + target.length + " bytes)" : out.toString();
    }
}
