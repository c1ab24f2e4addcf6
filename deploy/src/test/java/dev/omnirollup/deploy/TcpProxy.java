package dev.omnirollup.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fault-injection seam in front of a TCP server (here: PostgreSQL): forwards every connection on
 * {@code 127.0.0.1:<port>} to the target while open; {@link #refuse()} cuts every forwarded connection and closes the
 * listening socket, so new connections are refused (RST) exactly as when the server is down; {@link #open()} listens
 * on the same port again. Thread-safe.
 */
final class TcpProxy implements AutoCloseable {
    private final int port;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private volatile ServerSocket server;

    TcpProxy(int port, int targetPort) {
        this.port = port;
        this.targetPort = targetPort;
    }

    int port() {
        return port;
    }

    /** Connections forwarded so far. */
    long accepted() {
        return accepted.get();
    }

    /** Starts listening (again) on the port. */
    synchronized void open() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket listening = new ServerSocket();
        listening.setReuseAddress(true);
        listening.bind(new InetSocketAddress("127.0.0.1", port), 128);
        server = listening;
        Thread.ofPlatform().daemon().name("tcp-proxy-" + port).start(() -> acceptLoop(listening));
    }

    /** Closes the listening socket (new connections are refused) and cuts every forwarded connection. */
    synchronized void refuse() {
        ServerSocket listening = server;
        server = null;
        if (listening != null) {
            closeQuietly(listening);
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
    }

    private void acceptLoop(ServerSocket listening) {
        while (!listening.isClosed()) {
            Socket client;
            try {
                client = listening.accept();
            } catch (IOException e) {
                return; // closed by refuse() or close()
            }
            Thread.ofVirtual().start(() -> forward(client));
        }
    }

    private void forward(Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress("127.0.0.1", targetPort), 2_000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        sockets.add(client);
        sockets.add(upstream);
        accepted.incrementAndGet();
        Thread.ofVirtual().start(() -> pump(client, upstream));
        pump(upstream, client);
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        refuse();
    }
}
