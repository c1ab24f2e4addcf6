package dev.omnirollup.store;

import java.util.Set;

/**
 * Omni's value domains and the persistence rules that map event fields onto them (see docs/input-rules.md).
 */
public final class OmniVocabulary {
    public static final Set<String> CHANNEL_TYPES =
            Set.of("whatsapp-baileys", "whatsapp-cloud", "discord", "slack", "telegram");
    public static final Set<String> STORABLE_CONTENT_TYPES =
            Set.of("text", "audio", "image", "video", "document", "sticker", "contact", "location", "reaction");
    /** Upstream stores a message whose channel type it does not know as this channel. */
    public static final String FALLBACK_CHANNEL = "discord";
    /**
     * The core event types of Omni's event registry; with {@code custom.*} and {@code system.*} these are the
     * envelope types its bus hands to a consumer (any other type fails validation and is dead-lettered).
     */
    public static final Set<String> CORE_EVENT_TYPES = Set.of(
            "message.received", "message.sent", "message.delivered", "message.read", "message.failed",
            "media.received", "media.processed",
            "identity.created", "identity.linked", "identity.merged", "identity.unlinked",
            "instance.connected", "instance.disconnected", "instance.qr_code",
            "access.allowed", "access.denied",
            "presence.typing", "presence.online", "presence.offline",
            "sync.started", "sync.progress", "sync.completed", "sync.failed", "profile.synced",
            "reaction.received", "reaction.removed",
            "batch-job.created", "batch-job.started", "batch-job.progress", "batch-job.completed",
            "batch-job.cancelled", "batch-job.failed");

    public static final String RECEIVED = "message.received";
    public static final String SENT = "message.sent";
    public static final String DELIVERED = "message.delivered";
    public static final String READ = "message.read";
    public static final String FAILED = "message.failed";

    private OmniVocabulary() {
    }

    /** The channel upstream's persistence stores for a metadata channel type. */
    public static String channelOf(String channelType) {
        return channelType != null && CHANNEL_TYPES.contains(channelType) ? channelType : FALLBACK_CHANNEL;
    }

    /** The content type upstream stores, or null when it stores NULL. */
    static String storableContentType(String contentType) {
        return contentType != null && STORABLE_CONTENT_TYPES.contains(contentType) ? contentType : null;
    }

    /** Whether Omni's event registry lets an envelope of this type through to the consumer of its subject. */
    static boolean isKnownEventType(String type) {
        return CORE_EVENT_TYPES.contains(type) || type.startsWith("custom.") || type.startsWith("system.");
    }
}
