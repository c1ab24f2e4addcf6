package dev.omnirollup.store;

import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The breakdown keys a process has met ({@code "c:discord"}, {@code "i:<uuid>"}, ...), each numbered once, so that
 * rows' breakdowns are summed into plain arrays instead of maps. Grows with the distinct keys (channels, content
 * types, error stages, event types, latency bins, instances: hundreds to a few thousand). Thread-safe.
 */
final class BreakdownKeys {
    /** One key: its dimension and its name within it; instances also parsed. */
    record Key(Dim dim, String name, UUID instance) {
    }

    private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
    private volatile Key[] keys = new Key[256];
    private int size;

    /** The number of a map key as stored in a row's {@code dims} ({@code "<prefix>:<name>"}). */
    int idOf(String mapKey) {
        Integer id = ids.get(mapKey);
        return id != null ? id : add(mapKey);
    }

    private synchronized int add(String mapKey) {
        Integer existing = ids.get(mapKey);
        if (existing != null) {
            return existing;
        }
        Dim dim = Dim.ofPrefix(mapKey.charAt(0));
        String name = mapKey.substring(2);
        Key key = new Key(dim, name, dim == Dim.INSTANCE ? UUID.fromString(name) : null);
        Key[] current = keys;
        if (size == current.length) {
            current = Arrays.copyOf(current, current.length * 2);
        }
        current[size] = key;
        keys = current;
        ids.put(mapKey, size);
        return size++;
    }

    Key key(int id) {
        return keys[id];
    }

    /** Keys numbered so far (an upper bound of every id handed out before this call). */
    int size() {
        return ids.size();
    }
}
