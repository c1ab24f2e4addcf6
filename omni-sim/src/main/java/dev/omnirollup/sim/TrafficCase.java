package dev.omnirollup.sim;

/**
 * The situations of upstream's persistence rules (docs/input-rules.md) and of the automation and instance events that
 * realistic traffic must exercise. {@link TrafficCensus} recognizes them in any event sequence; {@link
 * TrafficGenerator} guarantees each at least once when asked for a few hundred events or more.
 */
public enum TrafficCase {
    /** Persisted (hierarchical, not replayed) {@code message.received} with each storable content type. */
    RECEIVED_TEXT, RECEIVED_AUDIO, RECEIVED_IMAGE, RECEIVED_VIDEO, RECEIVED_DOCUMENT, RECEIVED_STICKER,
    RECEIVED_CONTACT, RECEIVED_LOCATION, RECEIVED_REACTION,
    /** Persisted {@code message.received} whose content type is stored as NULL. */
    RECEIVED_EDIT, RECEIVED_DELETE, RECEIVED_POLL, RECEIVED_UNKNOWN,
    SENT,
    /** A receipt for an external id a {@code message.sent} inserted earlier in the sequence. */
    DELIVERED_AFTER_SENT, READ_AFTER_SENT,
    /** A receipt published before the {@code message.sent} of its external id (it inserts its own row). */
    DELIVERED_BEFORE_SENT, READ_BEFORE_SENT,
    /** A receipt whose external id no message event ever carries. */
    DELIVERED_UNMATCHED, READ_UNMATCHED,
    /** A delivered receipt for the external id of an earlier {@code message.received} (flips it to completed). */
    DELIVERED_FOR_INBOUND,
    /** A second receipt of the same type for the same external id. */
    REPEATED_RECEIPT,
    /** Two row-inserting message events (received/sent/failed) with the same external id. */
    SHARED_EXTERNAL_ID,
    FAILED_WHATSAPP_CODE, FAILED_DISCORD_CODE, FAILED_WITHOUT_CODE, FAILED_WITH_EXTERNAL_ID,
    FAILED_WITHOUT_EXTERNAL_ID,
    /** A hierarchical message event whose metadata has no channelType (stored as discord). */
    CHANNEL_MISSING,
    /** A hierarchical message event whose metadata channelType is not a channel type (stored as discord). */
    CHANNEL_UNKNOWN,
    /** A message event whose metadata has no instanceId (so a bare subject, ignored upstream). */
    NO_INSTANCE_ID,
    /** A message event on a bare subject (ignored upstream). */
    BARE_SUBJECT,
    /** Replays: bare; hierarchical with {@code payload._replay}; hierarchical with only {@code source: replay}. */
    REPLAY_BARE, REPLAY_FLAG_HIERARCHICAL, REPLAY_SOURCE_HIERARCHICAL,
    AUTOMATION_SUCCESS, AUTOMATION_FAILED, AUTOMATION_SKIPPED,
    AUTOMATION_0_ACTIONS, AUTOMATION_1_ACTION, AUTOMATION_2_ACTIONS, AUTOMATION_3_ACTIONS, AUTOMATION_4_ACTIONS,
    AUTOMATION_WITH_TIME, AUTOMATION_WITHOUT_TIME, AUTOMATION_GLOBAL,
    AUTOMATION_QUEUE,
    INSTANCE_CONNECTED, INSTANCE_DISCONNECTED_LOGGED_OUT, INSTANCE_DISCONNECTED_OTHER,
    /** Any event in the last hour of the span. */
    LAST_HOUR
}
