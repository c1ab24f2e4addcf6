package dev.omnirollup.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The static OpenAPI 3.1 document (classpath {@code openapi.yaml}), served as YAML and, converted once at start,
 * as JSON; both public. {@code info.version} is set to this service's version. Thread-safe.
 */
final class OpenApiService implements HttpService {
    static final String JSON_PATH = "/openapi.json";
    static final String YAML_PATH = "/openapi.yaml";
    static final String RESOURCE = "openapi.yaml";

    private final byte[] yaml;
    private final byte[] json;

    OpenApiService(String version) {
        String text = load().replace("${omni-rollup.version}", version);
        this.yaml = text.getBytes(StandardCharsets.UTF_8);
        try {
            JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(text);
            this.json = new ObjectMapper().writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException("the bundled " + RESOURCE + " is not valid YAML", e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(JSON_PATH, (req, res) -> ResponseWriter.send(req, res, 200, json, ResponseWriter.JSON))
                .get(YAML_PATH, (req, res) -> ResponseWriter.send(req, res, 200, yaml, "application/yaml"));
    }

    static String load() {
        try (InputStream in = OpenApiService.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " is missing from the query-api jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE + " failed", e);
        }
    }
}
