package dev.omnirollup.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client on blocking sockets: much cheaper per request than a general client, so that on a 2-core
 * machine the load generator takes as little CPU from the server as possible. Either keeps one connection alive
 * (reopened when the server closes it) or opens a new connection for every request and asks the server to close it
 * ({@code Connection: close}). Reads {@code Content-Length} and chunked bodies and the
 * {@code Server-Timing: total;dur=<ms>} header. One per thread.
 */
final class HttpProbe implements AutoCloseable {
    private final String host;
    private final int port;
    private final String apiKey;
    private final boolean reuse;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** A keep-alive client. */
    HttpProbe(String host, int port, String apiKey) {
        this(host, port, apiKey, true);
    }

    private HttpProbe(String host, int port, String apiKey, boolean reuse) {
        this.host = host;
        this.port = port;
        this.apiKey = apiKey;
        this.reuse = reuse;
    }

    /** One keep-alive connection for all requests ({@code apiKey} empty: no key sent). */
    static HttpProbe keepAlive(String host, int port, String apiKey) {
        return new HttpProbe(host, port, apiKey, true);
    }

    /** A new connection for every request, closed after its response. */
    static HttpProbe newConnectionEach(String host, int port, String apiKey) {
        return new HttpProbe(host, port, apiKey, false);
    }

    /**
     * One exchange.
     *
     * @param status       HTTP status
     * @param serverMillis the server's own time ({@code Server-Timing}), NaN when absent
     * @param body         the body
     */
    record Reply(int status, double serverMillis, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    Reply get(String pathAndQuery) throws IOException {
        if (!reuse || socket == null) {
            try {
                return exchange(pathAndQuery);
            } finally {
                if (!reuse) {
                    closeQuietly();
                }
            }
        }
        try {
            return exchange(pathAndQuery);
        } catch (IOException e) {
            // a keep-alive connection the server closed: retry once on a fresh one
            closeQuietly();
            return exchange(pathAndQuery);
        }
    }

    private Reply exchange(String pathAndQuery) throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(120_000);
            in = new BufferedInputStream(socket.getInputStream(), 65_536);
            out = new BufferedOutputStream(socket.getOutputStream(), 4_096);
        }
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                + (apiKey.isEmpty() ? "" : "x-api-key: " + apiKey + "\r\n") + (reuse ? "" : "Connection: close\r\n")
                + "\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        double serverMillis = Double.NaN;
        String header;
        while ((header = line()) != null && !header.isEmpty()) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                case "server-timing" -> serverMillis = serverTiming(value);
                default -> {
                    // not needed
                }
            }
        }
        byte[] body;
        if (chunked) {
            body = chunkedBody();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
            if (body.length != length) {
                throw new IOException("body ended after " + body.length + " of " + length + " bytes");
            }
        } else {
            body = in.readAllBytes();
            close = true;
        }
        if (close) {
            closeQuietly();
        }
        return new Reply(status, serverMillis, body);
    }

    private byte[] chunkedBody() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            if (sizeLine == null) {
                throw new IOException("chunked body ended early");
            }
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                String trailer;
                while ((trailer = line()) != null && !trailer.isEmpty()) {
                    // skip trailers
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            line();
        }
    }

    private static double serverTiming(String value) {
        int dur = value.indexOf("dur=");
        if (dur < 0) {
            return Double.NaN;
        }
        int end = dur + 4;
        while (end < value.length() && (Character.isDigit(value.charAt(end)) || value.charAt(end) == '.')) {
            end++;
        }
        return Double.parseDouble(value.substring(dur + 4, end));
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            sb.append((char) b);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private void closeQuietly() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
        out = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
