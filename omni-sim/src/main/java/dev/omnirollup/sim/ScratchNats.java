package dev.omnirollup.sim;

import dev.omnirollup.testservices.TestServices;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A private corner of a shared NATS JetStream server for one test: a random subject prefix ({@code t4f3a9.}) and
 * stream-name suffix ({@code T4F3A9}), streams created on demand ({@code MESSAGE_T4F3A9} on
 * {@code t4f3a9.message.>}, ...), all deleted again by {@link #close()}.
 *
 * <p>The server comes from {@link TestServices#natsUrl()}: {@value #SERVER_ENV}, else {@value #DEFAULT_SERVER} when it
 * answers, else a container when Docker is there. In production the prefix is empty
 * and the streams are {@code MESSAGE} / {@code AUTOMATION} / {@code INSTANCE}; code under test should take the
 * prefix and stream names as configuration. Not thread-safe for stream creation; the connection is.
 */
public final class ScratchNats implements AutoCloseable {

    public static final String SERVER_ENV = TestServices.NATS_ENV;
    public static final String DEFAULT_SERVER = TestServices.NATS_DEFAULT;

    /** Upstream's MESSAGE stream retention. */
    public static final Duration MESSAGE_MAX_AGE = Duration.ofDays(30);
    /** Retention of the AUTOMATION stream (omni-rollup's own contract). */
    public static final Duration AUTOMATION_MAX_AGE = Duration.ofDays(30);
    /** Upstream's INSTANCE stream retention. */
    public static final Duration INSTANCE_MAX_AGE = Duration.ofDays(7);

    private final String url;
    private final Connection connection;
    private final String suffix;
    private final String prefix;
    private final Set<String> created = new LinkedHashSet<>();
    private boolean closed;

    private ScratchNats(String url, Connection connection, String suffix) {
        this.url = url;
        this.connection = connection;
        this.suffix = suffix;
        this.prefix = suffix.toLowerCase(Locale.ROOT) + ".";
    }

    /** Connects to the tests' server ({@link TestServices#natsUrl()}). */
    public static ScratchNats connect() {
        return connect(TestServices.natsUrl());
    }

    /** Connects to {@code url} and picks a fresh random prefix. */
    public static ScratchNats connect(String url) {
        Options options = Options.builder()
                .server(url)
                .connectionName("omni-sim-scratch")
                .connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(5)
                .build();
        try {
            Connection connection = Nats.connect(options);
            return new ScratchNats(url, connection, "T" + ScratchDatabase.randomSuffix(5).toUpperCase(Locale.ROOT));
        } catch (IOException e) {
            throw new OmniSimException("connecting to NATS at " + url + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OmniSimException("interrupted while connecting to NATS at " + url, e);
        }
    }

    /** The subject prefix, e.g. {@code t4f3a9.}; subjects are {@code prefix + "message.received...."}. */
    public String prefix() {
        return prefix;
    }

    /** The stream-name suffix, e.g. {@code T4F3A9}; stream names are {@code base + "_" + suffix}. */
    public String suffix() {
        return suffix;
    }

    /** The server URL. */
    public String url() {
        return url;
    }

    /** The shared connection (owned by this object: do not close it). */
    public Connection connection() {
        return connection;
    }

    public JetStream jetStream() {
        try {
            return connection.jetStream();
        } catch (IOException e) {
            throw new OmniSimException("JetStream context failed: " + e.getMessage(), e);
        }
    }

    public JetStreamManagement management() {
        try {
            return connection.jetStreamManagement();
        } catch (IOException e) {
            throw new OmniSimException("JetStream management context failed: " + e.getMessage(), e);
        }
    }

    /** {@code prefix() + subject}. */
    public String subject(String subject) {
        return prefix + subject;
    }

    /** {@code base + "_" + suffix()}, without creating anything. */
    public String streamName(String base) {
        return base + "_" + suffix;
    }

    /** The MESSAGE stream ({@code <prefix>message.>}, 30 days, file storage), created on first call. */
    public String messageStream() {
        return createStream("MESSAGE", "message", MESSAGE_MAX_AGE);
    }

    /** The AUTOMATION stream ({@code <prefix>automation.>}, 30 days, file storage), created on first call. */
    public String automationStream() {
        return createStream("AUTOMATION", "automation", AUTOMATION_MAX_AGE);
    }

    /** The INSTANCE stream ({@code <prefix>instance.>}, 7 days, file storage), created on first call. */
    public String instanceStream() {
        return createStream("INSTANCE", "instance", INSTANCE_MAX_AGE);
    }

    /**
     * Creates (once) stream {@code streamName(base)} on subjects {@code <prefix><domain>.>} with file storage and the
     * given max age, and returns its name.
     */
    public String createStream(String base, String domain, Duration maxAge) {
        String name = streamName(base);
        if (created.contains(name)) {
            return name;
        }
        StreamConfiguration config = StreamConfiguration.builder()
                .name(name)
                .subjects(prefix + domain + ".>")
                .maxAge(maxAge)
                .storageType(StorageType.File)
                .build();
        try {
            management().addStream(config);
        } catch (IOException | JetStreamApiException e) {
            throw new OmniSimException("creating stream " + name + " failed: " + e.getMessage(), e);
        }
        created.add(name);
        return name;
    }

    /** Number of messages currently in stream {@code name}. */
    public long messageCount(String name) {
        try {
            return management().getStreamInfo(name).getStreamState().getMsgCount();
        } catch (IOException | JetStreamApiException e) {
            throw new OmniSimException("reading stream info of " + name + " failed: " + e.getMessage(), e);
        }
    }

    /** Whether stream {@code name} exists on the server. */
    public boolean streamExists(String name) {
        try {
            return management().getStreamNames().contains(name);
        } catch (IOException | JetStreamApiException e) {
            throw new OmniSimException("listing streams failed: " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the streams this object created and any other stream whose name ends with {@code _<suffix>} (e.g. one
     * that code under test created), then closes the connection. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            JetStreamManagement jsm = management();
            Set<String> doomed = new LinkedHashSet<>(created);
            for (String name : jsm.getStreamNames()) {
                if (name.endsWith("_" + suffix)) {
                    doomed.add(name);
                }
            }
            for (String name : doomed) {
                try {
                    jsm.deleteStream(name);
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() != 10059) { // 10059 = stream not found
                        throw e;
                    }
                }
            }
        } catch (IOException | JetStreamApiException e) {
            throw new OmniSimException("deleting scratch streams *_" + suffix + " failed: " + e.getMessage(), e);
        } finally {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
