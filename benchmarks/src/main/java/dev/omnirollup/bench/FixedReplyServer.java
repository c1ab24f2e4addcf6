package dev.omnirollup.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The cheapest HTTP server there is, inside the benchmark's own JVM: answers every request with the same 2-byte JSON
 * body, keeping the connection unless the request says {@code Connection: close}. Timing the client against it gives
 * the floor of the client and of loopback TCP, which no server can go below. One virtual thread per connection (as
 * Helidon SE serves them).
 */
final class FixedReplyServer implements AutoCloseable {
    private static final byte[] REPLY = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            + "\r\n{}").getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;

    private FixedReplyServer(ServerSocket listener) {
        this.listener = listener;
        Thread.ofPlatform().name("fixed-reply-accept").daemon().start(this::accept);
    }

    static FixedReplyServer start() {
        try {
            return new FixedReplyServer(new ServerSocket(0, 512, InetAddress.getByName(ServedApi.HOST)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for the fixed-reply server", e);
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                Thread.ofVirtual().name("fixed-reply").start(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = head(in);
                if (head == null) {
                    return;
                }
                out.write(REPLY);
                out.flush();
                if (head.toLowerCase(Locale.ROOT).contains("\nconnection: close")) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** The request head up to the blank line, or null at the end of the stream. */
    private static String head(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        int b;
        while ((b = in.read()) != -1) {
            sb.append((char) b);
            int n = sb.length();
            if (n >= 4 && sb.charAt(n - 1) == '\n' && sb.charAt(n - 2) == '\r' && sb.charAt(n - 3) == '\n'
                    && sb.charAt(n - 4) == '\r') {
                return sb.toString();
            }
        }
        return null;
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
