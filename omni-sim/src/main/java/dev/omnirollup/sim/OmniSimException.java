package dev.omnirollup.sim;

/** Unchecked failure of an omni-sim operation against PostgreSQL or NATS; the message names what was attempted. */
public final class OmniSimException extends RuntimeException {

    public OmniSimException(String message, Throwable cause) {
        super(message, cause);
    }

    public OmniSimException(String message) {
        super(message);
    }
}
