package dev.omnirollup.store;

import java.util.Set;

/** Omni's value domains (upstream contract §2) and the persistence rules that map event fields onto them. */
public final class OmniVocabulary {
    public static final Set<String> CHANNEL_TYPES =
            Set.of("whatsapp-baileys", "whatsapp-cloud", "discord", "slack", "telegram");
    public static final Set<String> STORABLE_CONTENT_TYPES =
            Set.of("text", "audio", "image", "video", "document", "sticker", "contact", "location", "reaction");
    /** Upstream stores a message whose channel type it does not know as this channel. */
    public static final String FALLBACK_CHANNEL = "discord";

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
}
