package dev.omnirollup.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A small client of a running query API (HTTP/1.1, connection reuse) that never throws on transport errors: a
 * request that fails or times out comes back as a {@link Result} with status -1 and the failure. Thread-safe.
 */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String base;
    private final Optional<String> apiKey;
    private final Duration timeout;

    ApiClient(int port, Optional<String> apiKey, Duration timeout) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3)).build();
        this.base = "http://127.0.0.1:" + port;
        this.apiKey = apiKey;
        this.timeout = timeout;
    }

    /** One answer: status -1 with {@code failure} when there was none. */
    record Result(int status, String body, HttpResponse<String> response, long nanos, Optional<String> failure) {
        double millis() {
            return nanos / 1e6;
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        Optional<String> header(String name) {
            return response == null ? Optional.empty() : response.headers().firstValue(name);
        }

        @Override
        public String toString() {
            return failure.map(f -> "no answer: " + f).orElse(status + " " + (body.length() > 300
                    ? body.substring(0, 300) + "…" : body)) + String.format(" (%.0f ms)", millis());
        }
    }

    String base() {
        return base;
    }

    /** GET {@code base + pathAndQuery} with the client's key (if any). */
    Result get(String pathAndQuery) {
        return get(pathAndQuery, Map.of());
    }

    Result get(String pathAndQuery, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(timeout).GET();
        apiKey.ifPresent(key -> request.header("x-api-key", key));
        headers.forEach(request::header);
        return send(request.build());
    }

    Result send(HttpRequest request) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Result(response.statusCode(), response.body(), response, System.nanoTime() - start,
                    Optional.empty());
        } catch (IOException e) {
            return new Result(-1, "", null, System.nanoTime() - start, Optional.of(e.toString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", null, System.nanoTime() - start, Optional.of("interrupted"));
        }
    }

    HttpClient http() {
        return http;
    }
}
