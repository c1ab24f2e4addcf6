package dev.omnirollup.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Turns the database URL forms operators use into a JDBC URL, and hides passwords when printing one. */
public final class DatabaseUrl {
    private DatabaseUrl() {
    }

    /**
     * Accepts {@code jdbc:postgresql://…} as is and {@code postgres://user:pass@host:port/db?params} (or
     * {@code postgresql://}), moving user and password into query parameters.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String toJdbc(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        if (url.startsWith("jdbc:postgresql://")) {
            return url;
        }
        if (!url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
            throw new IllegalArgumentException("'" + redact(url)
                    + "' is not a postgres://user:pass@host:port/db or jdbc:postgresql:// URL");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + redact(url) + "' is not a valid URL: " + e.getReason());
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("'" + redact(url) + "' has no host");
        }
        String database = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
        if (uri.getPort() > 0) {
            jdbc.append(':').append(uri.getPort());
        }
        jdbc.append('/').append(database);
        String separator = "?";
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            jdbc.append('?').append(uri.getRawQuery());
            separator = "&";
        }
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            jdbc.append(separator).append("user=").append(reencode(parts[0]));
            separator = "&";
            if (parts.length == 2) {
                jdbc.append(separator).append("password=").append(reencode(parts[1]));
            }
        }
        return jdbc.toString();
    }

    /** The URL with any password replaced by {@code ***}. */
    public static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("(//[^:/@]+:)[^@/]*@", "$1***@");
    }

    private static String reencode(String raw) {
        return URLEncoder.encode(URLDecoder.decode(raw, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }
}
