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
    private volatile int instanceKeys;
    /** The instance keys' numbers in the order of the ids' text, as of when {@code count} instance keys existed. */
    private volatile InstanceOrder instanceOrder = new InstanceOrder(0, new int[0]);

    private record InstanceOrder(int count, int[] ids) {
    }

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
        UUID instance = dim == Dim.INSTANCE ? UUID.fromString(name) : null;
        // an instance's name is its id's canonical text, whatever wrote the key
        Key key = new Key(dim, instance != null ? instance.toString() : name, instance);
        Key[] current = keys;
        if (size == current.length) {
            current = Arrays.copyOf(current, current.length * 2);
        }
        current[size] = key;
        keys = current;
        ids.put(mapKey, size);
        if (dim == Dim.INSTANCE) {
            instanceKeys++;
        }
        return size++;
    }

    /**
     * The numbers of every instance key numbered before this call, in the order of the ids' text: sorted again only
     * after a new instance appeared, so summing a report's instances needs no sort of its own.
     */
    int[] instancesInTextOrder() {
        InstanceOrder order = instanceOrder;
        return order.count() == instanceKeys ? order.ids() : sortInstances();
    }

    private synchronized int[] sortInstances() {
        Key[] current = keys;
        Integer[] numbers = new Integer[instanceKeys];
        int n = 0;
        for (int id = 0; id < size; id++) {
            if (current[id].dim() == Dim.INSTANCE) {
                numbers[n++] = id;
            }
        }
        Arrays.sort(numbers, (a, b) -> InstanceCounts.BY_TEXT.compare(current[a].instance(),
                current[b].instance()));
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = numbers[i];
        }
        instanceOrder = new InstanceOrder(n, ids);
        return ids;
    }

    Key key(int id) {
        return keys[id];
    }

    /** Keys numbered so far (an upper bound of every id handed out before this call). */
    int size() {
        return ids.size();
    }
}
