package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Test support: validates JSON against a schema of the bundled OpenAPI document's {@code components.schemas}. */
final class OpenApiSchemas {
    private final JsonNode document;
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private OpenApiSchemas(JsonNode document) {
        this.document = document;
    }

    static OpenApiSchemas load() {
        try {
            return new OpenApiSchemas(new ObjectMapper(new YAMLFactory()).readTree(OpenApiService.load()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode document() {
        return document;
    }

    List<Error> validate(String schema, JsonNode value) {
        ObjectNode root = TestApi.JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", document.get("components"));
        root.put("$ref", "#/components/schemas/" + schema);
        Schema compiled = registry.getSchema(SchemaLocation.of("urn:omni-rollup:" + schema), root);
        return compiled.validate(value);
    }

    void assertValid(String schema, JsonNode value) {
        List<Error> errors = validate(schema, value);
        assertTrue(errors.isEmpty(), schema + ": " + errors + "\n" + value);
    }
}
