package dev.omnirollup.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The dashboard page (public): {@code /} and its assets, a fixed list of classpath files under {@code web/} read
 * once at start. Only the exact paths in {@link #FILES} are routed, so no request path can reach any other file
 * (there is no path resolution to traverse). Responses carry an {@code ETag} (revalidated with
 * {@code If-None-Match}) and a Content-Security-Policy that allows only this origin's scripts, styles and
 * connections. Thread-safe.
 */
final class PageService implements HttpService {
    /** Request path to classpath resource and content type. */
    static final Map<String, Asset> FILES = files();

    private static final HeaderName CSP = HeaderNames.create("Content-Security-Policy");
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

    /** One served file. */
    record Asset(String resource, String contentType) {
    }

    private record Loaded(byte[] body, String contentType, String etag) {
    }

    private final Map<String, Loaded> loaded = new LinkedHashMap<>();

    PageService() {
        FILES.forEach((path, asset) -> {
            byte[] body = load(asset.resource());
            loaded.put(path, new Loaded(body, asset.contentType(), "\"" + digest(body) + "\""));
        });
    }

    /** The routed paths (for the request metrics' route labels). */
    static Set<String> paths() {
        return FILES.keySet();
    }

    @Override
    public void routing(HttpRules rules) {
        loaded.forEach((path, file) -> rules.get(path, (req, res) -> serve(req, res, file)));
    }

    private static void serve(ServerRequest req, ServerResponse res, Loaded file) {
        res.header(HeaderNames.ETAG, file.etag());
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(CSP, POLICY);
        if (req.headers().first(HeaderNames.IF_NONE_MATCH).filter(file.etag()::equals).isPresent()) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        ResponseWriter.send(req, res, 200, file.body(), file.contentType());
    }

    private static Map<String, Asset> files() {
        Map<String, Asset> files = new LinkedHashMap<>();
        files.put("/", new Asset("web/index.html", "text/html; charset=utf-8"));
        files.put("/assets/app.js", new Asset("web/app.js", "text/javascript; charset=utf-8"));
        files.put("/assets/app.css", new Asset("web/app.css", "text/css; charset=utf-8"));
        files.put("/assets/favicon.svg", new Asset("web/favicon.svg", "image/svg+xml"));
        return Map.copyOf(files);
    }

    private static byte[] load(String resource) {
        try (InputStream in = PageService.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + resource + " is missing from the query-api jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource + " failed", e);
        }
    }

    private static String digest(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
