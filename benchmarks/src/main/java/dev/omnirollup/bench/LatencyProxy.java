package dev.omnirollup.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP proxy on loopback that delivers every chunk of bytes, in both directions, {@code delay} after it arrived,
 * without limiting throughput (a reader queues chunks, a writer releases them when due). Put between the ingest
 * workers and PostgreSQL it makes each database round trip {@code 2 × delay} slower, as a database on another host
 * would, so that the workers wait instead of competing for this machine's two cores.
 */
final class LatencyProxy implements AutoCloseable {
    private static final byte[] END = new byte[0];

    /** Bytes read at one moment, to be written at {@code due} ({@link System#nanoTime()}). */
    private record Chunk(long due, byte[] data) {
    }

    private final ServerSocket server;
    private final long delayNanos;
    private final String targetHost;
    private final int targetPort;
    private volatile boolean closed;

    private LatencyProxy(String targetHost, int targetPort, long delayNanos) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.delayNanos = delayNanos;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().name("latency-proxy").daemon().start(this::accept);
    }

    /**
     * A proxy to the server of {@code jdbcUrl} ({@code jdbc:postgresql://host[:port]/…}) adding {@code delayMillis}
     * each way.
     */
    static LatencyProxy before(String jdbcUrl, double delayMillis) throws IOException {
        Matcher m = Pattern.compile("^jdbc:postgresql://([^:/]+)(?::(\\d+))?/").matcher(jdbcUrl);
        if (!m.find()) {
            throw new IllegalArgumentException("not a jdbc:postgresql:// URL: " + jdbcUrl);
        }
        int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
        return new LatencyProxy(m.group(1), port, (long) (delayMillis * 1_000_000));
    }

    int port() {
        return server.getLocalPort();
    }

    /** {@code jdbcUrl} with its host and port replaced by this proxy's. */
    String through(String jdbcUrl) {
        return jdbcUrl.replaceFirst("//[^/]+/", "//127.0.0.1:" + port() + "/");
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(targetHost, targetPort));
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                if (!closed) {
                    Datasets.log("latency proxy: " + e.getMessage());
                }
            }
        }
    }

    /** Copies {@code from} to {@code to}, each chunk held until {@code delay} after it was read. */
    private void pipe(Socket from, Socket to) {
        BlockingQueue<Chunk> chunks = new LinkedBlockingQueue<>();
        Thread.ofPlatform().name("latency-proxy-read").daemon().start(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    chunks.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
                }
            } catch (IOException e) {
                // the other side closed
            }
            chunks.add(new Chunk(System.nanoTime() + delayNanos, END));
        });
        Thread.ofPlatform().name("latency-proxy-write").daemon().start(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk chunk = chunks.take();
                    long wait = chunk.due() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    if (chunk.data() == END) {
                        break;
                    }
                    out.write(chunk.data());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the other side closed
            } finally {
                closeQuietly(to);
                closeQuietly(from);
            }
        });
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
