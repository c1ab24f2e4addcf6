package dev.omnirollup.ingest;

import io.nats.client.JetStreamApiException;
import io.nats.client.StreamContext;
import io.nats.client.api.ConsumerInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The durable consumers of one stream, grouped by the number of partitions they were made for (the names of
 * {@link dev.omnirollup.store.StoreSettings#consumerName}). When the number changes, the new consumers can start where every message
 * below was applied already: below the ack floors of all the consumers of a complete earlier set, since each
 * message was acknowledged by its own partition's consumer only after its commit. Everything from there on is read
 * again, and the exactly-once records (kept per partition, read by all) skip what was applied.
 */
final class ConsumerSets {
    private static final Pattern PARTITIONED = Pattern.compile("-p(\\d+)of(\\d+)");

    private ConsumerSets() {
    }

    /** A consumer's place: partition {@code index} of {@code count}. */
    record Place(int count, int index) {
    }

    /** The place of a consumer so named, if it is one of ours. */
    static Optional<Place> placeOf(String name, String durable) {
        if (name.equals(durable)) {
            return Optional.of(new Place(1, 0));
        }
        if (!name.startsWith(durable)) {
            return Optional.empty();
        }
        Matcher m = PARTITIONED.matcher(name.substring(durable.length()));
        if (!m.matches()) {
            return Optional.empty();
        }
        int index = Integer.parseInt(m.group(1));
        int count = Integer.parseInt(m.group(2));
        return index < count ? Optional.of(new Place(count, index)) : Optional.empty();
    }

    /**
     * The first stream sequence not known to be applied by a complete set of consumers for another number of
     * partitions than {@code partitions} (the highest such start among the sets), or empty when there is none.
     */
    static OptionalLong appliedBelow(StreamContext stream, String durable, int partitions)
            throws IOException, JetStreamApiException {
        Map<Integer, Map<Integer, Long>> floors = new HashMap<>(); // count -> index -> ack floor
        for (ConsumerInfo info : stream.getConsumers()) {
            placeOf(info.getName(), durable).filter(place -> place.count() != partitions).ifPresent(place ->
                    floors.computeIfAbsent(place.count(), k -> new HashMap<>())
                            .put(place.index(), info.getAckFloor().getStreamSequence()));
        }
        return floors.entrySet().stream().filter(set -> set.getValue().size() == set.getKey())
                .mapToLong(set -> Collections.min(set.getValue().values()) + 1).max();
    }

    /** Our consumers on the stream made for another number of partitions than {@code partitions}. */
    static List<String> others(StreamContext stream, String durable, int partitions)
            throws IOException, JetStreamApiException {
        List<String> names = new ArrayList<>();
        for (String name : stream.getConsumerNames()) {
            placeOf(name, durable).filter(place -> place.count() != partitions).ifPresent(place -> names.add(name));
        }
        return names;
    }
}
