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
    /** The instance keys' numbers in the order of the ids' text; stale while shorter than {@code instanceKeys}. */
    private volatile int[] instanceOrder = new int[0];

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
        if (instance != null && !name.equals(instance.toString())) {
            // another spelling of an id (capitals): the same number as its canonical text, so it sums with it
            int canonical = add(Dim.INSTANCE.mapKey(instance.toString()));
            ids.put(mapKey, canonical);
            return canonical;
        }
        Key key = new Key(dim, name, instance);
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
        int[] order = instanceOrder;
        return order.length == instanceKeys ? order : sortInstances();
    }

    private synchronized int[] sortInstances() {
        Key[] current = keys;
        int[] order = new int[instanceKeys];
        int n = 0;
        for (int id = 0; id < size; id++) {
            if (current[id].dim() == Dim.INSTANCE) {
                order[n++] = id;
            }
        }
        order = Arrays.stream(order).boxed().sorted((a, b) -> InstanceCounts.BY_TEXT.compare(current[a].instance(),
                current[b].instance())).mapToInt(Integer::intValue).toArray();
        instanceOrder = order;
        return order;
    }

    Key key(int id) {
        return keys[id];
    }

    /** Keys numbered so far (an upper bound of every id handed out before this call). */
    int size() {
        return ids.size();
    }
}
