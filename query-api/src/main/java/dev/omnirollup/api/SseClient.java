package dev.omnirollup.api;

import io.helidon.webserver.ServerConnectionException;
import java.io.UncheckedIOException;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One open live stream: a bounded queue the fan-out offers frames to (never blocking: a full queue drops the frame
 * and counts it), and the writer loop, run by the request's own thread, that drains the queue into the connection.
 *
 * <p>Thread-safety: {@link #offer} is called by the fan-out (under {@link SseHub}'s lock), {@link #pump} by the
 * request thread, {@link #stalledNanos} and {@link #cut} by the watchdog and at shutdown. The writer
 * thread is the only one that writes to the connection; it is interrupted to cut a stalled client loose (a virtual
 * thread interrupted in a blocked socket write closes the socket).
 */
final class SseClient {
    /** Frames written per flush at most: a busy stream is sent in batches, not one socket write per frame. */
    static final int MAX_BATCH = 256;

    final String principal;
    final SseQuery query;
    private final String streamId;
    private final ArrayBlockingQueue<SseFrame> queue;
    private final SseFrame ready;
    private final List<SseFrame> replay;
    private final long joinedAt;
    private final AtomicLong droppedPending = new AtomicLong();
    private final AtomicLong droppedTotal = new AtomicLong();
    private volatile Thread writer;
    private volatile long writeStartedNanos;
    private volatile boolean cut;
    private long position;

    /**
     * @param ready    the first frame; its position is where the replay starts
     * @param replay   the frames to write after it
     * @param joinedAt the stream position when the client was registered (the first metrics frame's)
     */
    SseClient(String principal, SseQuery query, String streamId, int capacity, SseFrame ready,
                 List<SseFrame> replay, long joinedAt) {
        this.principal = principal;
        this.query = query;
        this.streamId = streamId;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.ready = ready;
        this.replay = List.copyOf(replay);
        this.joinedAt = joinedAt;
        this.position = ready.seq();
    }

    /**
     * Offers a frame if it passes the client's filters. Never blocks.
     *
     * @return false when the queue was full and the frame was dropped
     */
    boolean offer(SseFrame frame) {
        if (!query.matches(frame)) {
            return true;
        }
        if (queue.offer(frame)) {
            return true;
        }
        droppedPending.incrementAndGet();
        droppedTotal.incrementAndGet();
        return false;
    }

    /**
     * Writes the {@code ready} frame, the replay, the first metrics frame, then every queued frame until the client
     * goes away or is {@link #cut};  a heartbeat comment whenever nothing was written for
     * {@code heartbeatNanos}. Returns normally in every case (a broken connection ends the loop).
     *
     * @param firstMetrics the metrics body to send right after the replay, if one can be had
     */
    void pump(SseSink sink, Supplier<Optional<String>> firstMetrics, long heartbeatNanos, InstantSource clock) {
        writer = Thread.currentThread();
        try {
            startWrite();
            write(sink, ready);
            for (SseFrame frame : replay) {
                write(sink, frame);
            }
            flush(sink); // the client knows it is connected before the first metrics are read from the database
            Optional<String> metrics = firstMetrics.get();
            if (metrics.isPresent()) {
                startWrite();
                write(sink, new SseFrame(SseFrame.METRICS, metrics.get(), Optional.empty(), Optional.empty(),
                        joinedAt));
                flush(sink);
            }
            long lastWrite = System.nanoTime();
            while (!cut) {
                long wait = heartbeatNanos - (System.nanoTime() - lastWrite);
                SseFrame frame = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                long dropped = droppedPending.getAndSet(0);
                if (frame == null && dropped == 0) {
                    startWrite();
                    sink.comment(" heartbeat " + clock.millis());
                    flush(sink);
                    lastWrite = System.nanoTime();
                    continue;
                }
                startWrite();
                if (dropped > 0) {
                    writeDropped(sink, dropped);
                }
                for (int n = 0; frame != null; n++) {
                    write(sink, frame);
                    frame = n + 1 < MAX_BATCH ? queue.poll() : null;
                }
                long droppedMeanwhile = droppedPending.getAndSet(0);
                if (droppedMeanwhile > 0) {
                    writeDropped(sink, droppedMeanwhile);
                }
                flush(sink);
                lastWrite = System.nanoTime();
            }
        } catch (InterruptedException e) {
            // cut loose or shut down: the connection ends here (Thread.interrupted() already cleared the flag)
        } catch (UncheckedIOException | ServerConnectionException e) {
            // the client went away
        } finally {
            writeStartedNanos = 0; // a write that failed is not a stall
            writer = null;
        }
    }

    private void writeDropped(SseSink sink, long count) {
        Map<String, Object> notice = new LinkedHashMap<>();
        notice.put("count", count);
        notice.put("total", droppedTotal.get());
        write(sink, SseFrame.control(SseFrame.DROPPED, notice, position));
    }

    private void startWrite() {
        writeStartedNanos = System.nanoTime();
    }

    private void write(SseSink sink, SseFrame frame) {
        sink.frame(streamId + "-" + frame.seq(), frame.event(), frame.data());
        position = Math.max(position, frame.seq());
    }

    private void flush(SseSink sink) {
        try {
            sink.flush();
        } finally {
            writeStartedNanos = 0;
        }
    }

    /** How long the write in progress has been blocked (0 when none is). */
    long stalledNanos(long nowNanos) {
        long started = writeStartedNanos;
        return started == 0 ? 0 : nowNanos - started;
    }

    /**
     * Ends the stream: the writer stops at once, closing the connection if it is blocked writing (a stalled client,
     * or shutdown).
     *
     * @return false when it had been cut already
     */
    synchronized boolean cut() {
        if (cut) {
            return false;
        }
        cut = true;
        Thread thread = writer;
        if (thread != null) {
            thread.interrupt();
        }
        return true;
    }

    long droppedTotal() {
        return droppedTotal.get();
    }
}
