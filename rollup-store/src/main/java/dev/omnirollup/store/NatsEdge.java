package dev.omnirollup.store;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/** Connecting to NATS and making sure the streams exist, shared by the ingest and the API. */
public final class NatsEdge {
    private static final System.Logger LOG = System.getLogger(NatsEdge.class.getName());

    private NatsEdge() {
    }

    /**
     * Connects with endless reconnects, logging one line per disconnect and reconnect.
     *
     * @throws StoreException naming the URL when no server answers within the timeout
     */
    public static Connection connect(StoreSettings settings, String clientName, Duration timeout) {
        String url = settings.natsUrl();
        AtomicBoolean established = new AtomicBoolean();
        Options options = Options.builder()
                .servers(url.split(","))
                .connectionName(clientName)
                .maxReconnects(-1)
                .reconnectWait(Duration.ofSeconds(1))
                .connectionTimeout(timeout)
                .connectionListener((connection, event) -> {
                    // a first connect that fails is reported once, by the caller; only later changes are logged
                    if (established.get() && (event == ConnectionListener.Events.DISCONNECTED
                            || event == ConnectionListener.Events.RECONNECTED || event == ConnectionListener.Events.CLOSED)) {
                        LOG.log(System.Logger.Level.INFO, "nats " + event.name().toLowerCase(Locale.ROOT)
                                + " (" + clientName + ", " + url + ")");
                    }
                })
                .errorListener(new io.nats.client.ErrorListener() {
                })
                .build();
        try {
            Connection connection = Nats.connect(options);
            established.set(true);
            return connection;
        } catch (IOException e) {
            throw new StoreException("NATS at " + url + " does not answer: " + RootCause.message(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while connecting to NATS at " + url, e);
        }
    }

    /**
     * Returns the stream, creating it when missing with upstream's settings (file storage, limits retention,
     * the given max age). An existing stream is left as it is: Omni owns MESSAGE.
     */
    public static StreamInfo ensureStream(Connection nats, String name, String subject, Duration maxAge)
            throws IOException, JetStreamApiException {
        JetStreamManagement jsm = nats.jetStreamManagement();
        try {
            return jsm.getStreamInfo(name);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) {
                throw e;
            }
        }
        try {
            StreamInfo created = jsm.addStream(StreamConfiguration.builder()
                    .name(name)
                    .subjects(subject)
                    .storageType(StorageType.File)
                    .maxAge(maxAge)
                    .build());
            LOG.log(System.Logger.Level.INFO, "created stream " + name + " (" + subject + ")");
            return created;
        } catch (JetStreamApiException e) {
            // another worker created it first
            return jsm.getStreamInfo(name);
        }
    }
}
