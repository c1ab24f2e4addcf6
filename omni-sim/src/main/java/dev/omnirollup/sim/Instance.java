package dev.omnirollup.sim;

import java.util.Objects;
import java.util.UUID;

/**
 * One Omni instance (a connected account on one channel): a row of {@code instances}.
 *
 * @param id      instance UUID, the {@code instanceId} of event metadata
 * @param name    unique instance name
 * @param channel channel type, one of {@link OmniEvent#CHANNEL_TYPES}
 */
public record Instance(UUID id, String name, String channel) {

    public Instance {
        Objects.requireNonNull(id, "id");
        OmniEvent.requireText(name, "name");
        if (!OmniEvent.isChannelType(channel)) {
            throw new IllegalArgumentException("channel must be one of " + OmniEvent.CHANNEL_TYPES + ", got " + channel);
        }
    }

    /** Whether this instance's channel publishes delivery and read receipts (WhatsApp only). */
    public boolean hasReceipts() {
        return channel.startsWith("whatsapp");
    }
}
