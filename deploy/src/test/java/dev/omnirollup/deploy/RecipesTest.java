package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.omnirollup.api.ApiSettings;
import dev.omnirollup.ingest.IngestSettings;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.Setting;
import dev.omnirollup.store.StoreSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What can be checked offline about the deployment recipes (no Docker or Kubernetes here): every YAML parses, the
 * commands they run are the launcher's, the OMNI_ROLLUP_* variables are real keys with valid values, and the ports
 * and health paths are the configured defaults.
 */
class RecipesTest {
    private static final Path DEPLOY = Path.of(System.getProperty("omni-rollup.deploy.dir", ".")).toAbsolutePath()
            .normalize();
    private static final Pattern VARIABLE = Pattern.compile("OMNI_ROLLUP_[A-Z0-9_]+");
    private static final String LAUNCHER = "/opt/omni-rollup/bin/omni-rollup";
    private static final int HTTP_PORT = Integer.parseInt(ApiSettings.HTTP_PORT.defaultValue());
    private static final int METRICS_PORT = Integer.parseInt(IngestSettings.METRICS_PORT.defaultValue());

    private static final Set<String> COMMANDS = OmniRollup.commandLine().getSubcommands().keySet();
    /** The ingest's JVM options in every recipe, after the heap's: the collector and the JIT's inlining limits. */
    private static final String INGEST_JVM =
            "-XX:+UseParallelGC -XX:MaxInlineLevel=6 -XX:InlineSmallCode=1000 -XX:FreqInlineSize=150";

    private static List<Path> recipeFiles() throws IOException {
        List<Path> files = new ArrayList<>(List.of(DEPLOY.resolve("Dockerfile"), DEPLOY.resolve("compose.yaml")));
        try (Stream<Path> paths = Stream.of("k8s", "systemd", "config").flatMap(d -> list(DEPLOY.resolve(d)))) {
            files.addAll(paths.toList());
        }
        return files;
    }

    private static Stream<Path> list(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).sorted().toList().stream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> yaml(Path file) throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
            if (document != null) {
                assertTrue(document instanceof Map, file + ": every document is a map");
                documents.add((Map<String, Object>) document);
            }
        }
        assertFalse(documents.isEmpty(), file + " is empty");
        return documents;
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, String... path) {
        Object current = node;
        for (String step : path) {
            if (current instanceof Map<?, ?> map) {
                current = map.get(step);
            } else if (current instanceof List<?> list) {
                current = list.get(Integer.parseInt(step));
            } else {
                throw new AssertionError("no " + String.join(".", path) + " in " + node);
            }
        }
        return (T) current;
    }

    private static Map<String, Map<String, Object>> k8s() throws IOException {
        Map<String, Map<String, Object>> byKindAndName = new LinkedHashMap<>();
        for (Path file : list(DEPLOY.resolve("k8s")).toList()) {
            for (Map<String, Object> document : yaml(file)) {
                String kind = at(document, "kind");
                String name = kind.equals("Kustomization") ? "" : at(document, "metadata", "name");
                byKindAndName.put(kind + "/" + name, document);
            }
        }
        return byKindAndName;
    }

    @Test
    void everyYamlParses() throws IOException {
        List<Path> yamlFiles = recipeFiles().stream().filter(p -> p.toString().endsWith(".yaml")).toList();
        assertTrue(yamlFiles.size() >= 7, yamlFiles.toString());
        for (Path file : yamlFiles) {
            yaml(file);
        }
    }

    @Test
    void everyOmniRollupVariableIsAConfigurationKey() throws IOException {
        Set<String> known = SharedOptions.SETTINGS.stream().map(Setting::environmentVariable).collect(Collectors.toSet());
        Set<String> used = new TreeSet<>();
        for (Path file : recipeFiles()) {
            Matcher matcher = VARIABLE.matcher(Files.readString(file));
            while (matcher.find()) {
                String variable = matcher.group();
                used.add(variable);
                assertTrue(known.contains(variable), file.getFileName() + " uses " + variable
                        + ", which is not a configuration key");
            }
        }
        assertTrue(used.containsAll(Set.of("OMNI_ROLLUP_DATABASE_URL", "OMNI_ROLLUP_NATS_URL",
                "OMNI_ROLLUP_HTTP_PORT")), used.toString());
    }

    @Test
    void dockerfileIsMultiStageNonRootWithAHealthCheckOnTheApi() throws IOException {
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        List<String> stages = dockerfile.lines().filter(l -> l.startsWith("FROM ")).toList();
        assertEquals(2, stages.size(), stages.toString());
        assertTrue(stages.get(0).matches("FROM maven:3\\.9-eclipse-temurin-(2[1-9]) AS build"), stages.get(0));
        assertTrue(stages.get(1).matches("FROM eclipse-temurin:(2[1-9])-jre"), stages.get(1));
        assertTrue(dockerfile.contains("mvn -B -ntp -q -pl deploy -am package -DskipTests"));
        // the distribution layout the image copies is the one the deploy module builds
        assertTrue(dockerfile.contains("COPY --from=build /src/deploy/target/omni-rollup /opt/omni-rollup"));
        assertTrue(Files.readString(DEPLOY.resolve("pom.xml"))
                .contains("<distribution.directory>${project.build.directory}/omni-rollup</distribution.directory>"));
        assertTrue(Files.isRegularFile(DEPLOY.resolve("src/dist/bin/omni-rollup")));
        assertTrue(dockerfile.contains("ENTRYPOINT [\"" + LAUNCHER + "\"]"));
        Matcher cmd = Pattern.compile("(?m)^CMD \\[\"([a-z]+)\"]").matcher(dockerfile);
        assertTrue(cmd.find() && COMMANDS.contains(cmd.group(1)), "CMD is a launcher command");
        Matcher user = Pattern.compile("(?m)^USER (\\d+)").matcher(dockerfile);
        assertTrue(user.find() && Integer.parseInt(user.group(1)) > 0, "runs as a non-root user id");
        assertTrue(dockerfile.contains("EXPOSE " + HTTP_PORT + " " + METRICS_PORT));
        assertTrue(dockerfile.contains("${OMNI_ROLLUP_HTTP_PORT:-" + HTTP_PORT + "}/api/v2/health"));
        assertTrue(dockerfile.contains("HEALTHCHECK "));
    }

    @Test
    void composeRunsPostgresNatsWithJetStreamTwoIngestWorkersAndTheApi() throws IOException {
        Map<String, Object> compose = yaml(DEPLOY.resolve("compose.yaml")).get(0);
        Map<String, Object> services = at(compose, "services");
        assertEquals(Set.of("postgres", "nats", "ingest", "api"), services.keySet());
        List<String> natsCommand = at(services, "nats", "command");
        assertTrue(natsCommand.contains("-js"), "JetStream on: " + natsCommand);
        assertEquals("./sql/omni-schema.sql:/docker-entrypoint-initdb.d/01-omni-schema.sql:ro",
                ((List<?>) at(services, "postgres", "volumes")).get(1));
        assertTrue(Files.isRegularFile(DEPLOY.resolve("sql/omni-schema.sql")));

        assertEquals(List.of("ingest"), at(services, "ingest", "command"));
        assertEquals(2, (Integer) at(services, "ingest", "deploy", "replicas"));
        assertEquals(List.of("serve"), at(services, "api", "command"));
        assertEquals(List.of(HTTP_PORT + ":" + HTTP_PORT), at(services, "api", "ports"));
        assertTrue(at(services, "ingest", "healthcheck", "test").toString()
                .contains("http://127.0.0.1:" + METRICS_PORT + "/health"));
        assertTrue(at(services, "api", "healthcheck", "test").toString()
                .contains("http://127.0.0.1:" + HTTP_PORT + "/api/v2/health"));
        assertEquals("deploy/Dockerfile", at(services, "api", "build", "dockerfile"));
        for (String service : List.of("ingest", "api")) {
            Map<String, Object> environment = at(services, service, "environment");
            assertValidConfiguration("compose " + service, environment);
        }
        assertEquals(imageJavaOptions() + " " + INGEST_JVM, at(services, "ingest", "environment", "JAVA_OPTS"));
    }

    @Test
    void kubernetesRunsThreeIngestReplicasAndAnAutoscaledApiWithProbesOnHealth() throws IOException {
        Map<String, Map<String, Object>> objects = k8s();
        assertEquals(Set.of("Kustomization/", "ConfigMap/omni-rollup", "Secret/omni-rollup",
                "Deployment/omni-rollup-ingest", "Deployment/omni-rollup-api", "Service/omni-rollup-api",
                "HorizontalPodAutoscaler/omni-rollup-api"), objects.keySet());
        List<String> resources = at(objects.get("Kustomization/"), "resources");
        for (String resource : resources) {
            assertTrue(Files.isRegularFile(DEPLOY.resolve("k8s").resolve(resource)), resource);
        }

        Map<String, Object> ingest = objects.get("Deployment/omni-rollup-ingest");
        assertEquals(3, (Integer) at(ingest, "spec", "replicas"));
        Map<String, Object> ingestContainer = at(ingest, "spec", "template", "spec", "containers", "0");
        assertEquals(List.of("ingest"), at(ingestContainer, "args"));
        assertEquals(METRICS_PORT, (Integer) at(ingestContainer, "ports", "0", "containerPort"));
        assertProbe(ingestContainer, "readinessProbe", "/health", "metrics");
        assertProbe(ingestContainer, "livenessProbe", "/health", "metrics");

        Map<String, Object> api = objects.get("Deployment/omni-rollup-api");
        Map<String, Object> apiContainer = at(api, "spec", "template", "spec", "containers", "0");
        assertEquals(List.of("serve"), at(apiContainer, "args"));
        assertEquals(HTTP_PORT, (Integer) at(apiContainer, "ports", "0", "containerPort"));
        assertProbe(apiContainer, "readinessProbe", "/api/v2/health", "http");
        assertProbe(apiContainer, "livenessProbe", "/api/v2/health", "http");
        assertEquals("http", at(objects.get("Service/omni-rollup-api"), "spec", "ports", "0", "targetPort"));
        Map<String, Object> selector = at(objects.get("Service/omni-rollup-api"), "spec", "selector");
        assertEquals(selector, at(api, "spec", "selector", "matchLabels"));
        Map<String, Object> hpa = objects.get("HorizontalPodAutoscaler/omni-rollup-api");
        assertEquals("omni-rollup-api", at(hpa, "spec", "scaleTargetRef", "name"));
        assertEquals("autoscaling/v2", at(hpa, "apiVersion"));

        Map<String, Object> configMap = at(objects.get("ConfigMap/omni-rollup"), "data");
        Map<String, Object> secret = at(objects.get("Secret/omni-rollup"), "stringData");
        for (Map<String, Object> container : List.of(ingestContainer, apiContainer)) {
            assertEquals("omni-rollup", at(container, "envFrom", "0", "configMapRef", "name"));
            Map<String, Object> environment = new LinkedHashMap<>(configMap);
            List<Map<String, Object>> variables = at(container, "env");
            for (Map<String, Object> variable : variables) {
                if (variable.containsKey("value")) { // the JVM's options, not the configuration
                    assertEquals("JAVA_OPTS", variable.get("name"));
                    continue;
                }
                String key = at(variable, "valueFrom", "secretKeyRef", "key");
                assertTrue(secret.containsKey(key), "secret has " + key);
                environment.put((String) variable.get("name"), secret.get(key));
            }
            assertValidConfiguration("k8s " + at(container, "name"), environment);
            assertEquals(10001, (Integer) at(container.equals(ingestContainer) ? ingest : api,
                    "spec", "template", "spec", "securityContext", "runAsUser"));
        }
        // the ingest's JVM options are the image's and the ingest's own (set in the manifest, they replace the image's)
        List<Map<String, Object>> ingestVariables = at(ingestContainer, "env");
        assertEquals(List.of(imageJavaOptions() + " " + INGEST_JVM), ingestVariables.stream()
                .filter(v -> "JAVA_OPTS".equals(v.get("name"))).map(v -> v.get("value")).toList());
        assertEquals(String.valueOf(HTTP_PORT), configMap.get("OMNI_ROLLUP_HTTP_PORT"));
        assertEquals(String.valueOf(METRICS_PORT), configMap.get("OMNI_ROLLUP_INGEST_METRICS_PORT"));
    }

    @Test
    void systemdUnitsRunTheLauncherWithTheExampleConfiguration() throws IOException {
        Map<String, String> expected = Map.of("omni-rollup-ingest.service", "ingest", "omni-rollup-api.service", "serve");
        for (Map.Entry<String, String> unit : expected.entrySet()) {
            String text = Files.readString(DEPLOY.resolve("systemd").resolve(unit.getKey()));
            for (String section : List.of("[Unit]", "[Service]", "[Install]")) {
                assertTrue(text.contains(section + "\n"), unit.getKey() + " has " + section);
            }
            String exec = text.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
            String[] words = exec.substring("ExecStart=".length()).split(" ");
            assertEquals(LAUNCHER, words[0]);
            assertEquals(unit.getValue(), words[1]);
            assertTrue(COMMANDS.contains(words[1]));
            assertEquals(List.of("--config", "/etc/omni-rollup/omni-rollup.yaml"), List.of(words).subList(2, 4));
            assertTrue(text.contains("\nSuccessExitStatus=143\n"), "SIGTERM is a clean stop");
            assertTrue(text.contains("\nRestartPreventExitStatus=" + Failure.INVALID + "\n"));
            assertTrue(text.contains("\nUser=omni-rollup\n"));
        }
        assertTrue(Files.readString(DEPLOY.resolve("systemd/omni-rollup-ingest.service"))
                .contains("\nEnvironment=\"JAVA_OPTS=-Xmx256m " + INGEST_JVM + "\"\n"));
        // the configuration the units point at is valid
        Config config = Config.load(SharedOptions.SETTINGS, Optional.of(DEPLOY.resolve("config/omni-rollup.yaml")), Map.of());
        assertEquals(HTTP_PORT, config.get(ApiSettings.HTTP_PORT));
        assertEquals(METRICS_PORT, config.get(IngestSettings.METRICS_PORT));
    }

    /**
     * The ingest's options are ones this JVM starts with: a misspelt or retired {@code -XX} option stops a JVM before
     * it runs anything.
     */
    @Test
    void theIngestsJvmOptionsAreOnesTheJvmAccepts() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of(INGEST_JVM.split(" ")));
        command.add("-version");
        Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(java.getInputStream().readAllBytes());
        assertEquals(0, java.waitFor(), output);
    }

    private static String imageJavaOptions() throws IOException {
        return Files.readAllLines(DEPLOY.resolve("Dockerfile")).stream()
                .filter(l -> l.startsWith("ENV JAVA_OPTS=")).findFirst().orElseThrow()
                .replaceFirst("ENV JAVA_OPTS=\"(.*)\"", "$1");
    }

    private static void assertProbe(Map<String, Object> container, String probe, String path, String port) {
        assertEquals(path, at(container, probe, "httpGet", "path"), probe);
        assertEquals(port, at(container, probe, "httpGet", "port"), probe);
        assertEquals(port, at(container, "ports", "0", "name"));
    }

    private static void assertValidConfiguration(String where, Map<String, Object> environment) {
        Map<String, String> text = new LinkedHashMap<>();
        environment.forEach((k, v) -> text.put(k, String.valueOf(v)));
        try {
            Config config = Config.load(SharedOptions.SETTINGS, Optional.empty(), text);
            assertTrue(config.get(StoreSettings.DATABASE_URL).isPresent(), where + " sets the database URL");
        } catch (Config.ConfigException e) {
            fail(where + ": " + e.getMessage());
        }
    }
}
