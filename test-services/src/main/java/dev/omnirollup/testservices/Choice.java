package dev.omnirollup.testservices;

import java.util.Objects;

/**
 * Where one test service comes from: the environment variable, the local default, a container to start, or nowhere
 * (then {@link #problem()} is the one line to fail with).
 *
 * @param source  which of the four
 * @param url     the server's URL; {@code null} for {@link Source#DOCKER} until the container is started, and for
 *                {@link Source#NONE}
 * @param problem one line saying what is missing, only for {@link Source#NONE}
 */
public record Choice(Source source, String url, String problem) {

    /** The four outcomes, in the order they are tried. */
    public enum Source {
        /** The environment variable is set: its value, used as is. */
        ENV,
        /** The variable is unset and the local default answers. */
        LOCAL_DEFAULT,
        /** Neither, and a Docker engine is there: a container started with Testcontainers. */
        DOCKER,
        /** None of them. */
        NONE
    }

    public Choice {
        Objects.requireNonNull(source, "source");
        if ((source == Source.ENV || source == Source.LOCAL_DEFAULT) && url == null) {
            throw new IllegalArgumentException(source + " needs a URL");
        }
        if ((source == Source.NONE) != (problem != null)) {
            throw new IllegalArgumentException("a problem goes with NONE and only with NONE: " + source);
        }
    }

    public static Choice env(String url) {
        return new Choice(Source.ENV, url, null);
    }

    public static Choice localDefault(String url) {
        return new Choice(Source.LOCAL_DEFAULT, url, null);
    }

    /** A container to start; {@link #started(String)} gives its URL afterwards. */
    public static Choice docker() {
        return new Choice(Source.DOCKER, null, null);
    }

    public static Choice none(String problem) {
        return new Choice(Source.NONE, null, problem);
    }

    /** This choice with the started container's URL. */
    Choice started(String containerUrl) {
        if (source != Source.DOCKER) {
            throw new IllegalStateException("only a DOCKER choice is started, not " + source);
        }
        return new Choice(source, Objects.requireNonNull(containerUrl, "containerUrl"), null);
    }
}
