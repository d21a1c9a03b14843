package io.comfyfleet.image.build;

import io.comfyfleet.image.ImageException;
import io.comfyfleet.image.models.ModelManifest;
import io.comfyfleet.image.recipe.Recipe;
import io.comfyfleet.image.recipe.Recipe.FileCopy;
import io.comfyfleet.image.recipe.Recipe.Model;
import io.comfyfleet.image.recipe.Recipe.Node;
import io.comfyfleet.image.recipe.Recipe.Placement;
import io.comfyfleet.image.recipe.Recipe.RunStep;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.commons.io.file.PathUtils;

/**
 * Writes the build context of a recipe: the Containerfile, ComfyUI and the custom nodes without {@code .git}, the
 * merged pinned requirements, baked local models (their sha256 checked first), the worker jar, its jlinked Java
 * runtime and the entrypoint. Everything is checked before anything is built: a wrong model hash names the file and
 * both hashes, an unreachable source names the item, two nodes pinning one package differently name both.
 */
public final class ContextWriter {
    /** Where things live in the image; the container and Kubernetes providers rely on these. */
    public static final String COMFYUI_DIR = "/opt/ComfyUI";
    public static final String HOME = "/opt/comfyfleet";
    public static final String WORK_DIR = "/var/lib/comfyfleet/work";
    public static final String MODEL_CACHE = "/var/cache/comfyfleet/models";
    public static final int COMFYUI_PORT = 8188;

    private final Path cacheDir;
    private final Path javaHome;
    private final Path defaultJar;
    private final UnaryOperator<String> env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    /**
     * @param cacheDir   git mirrors and Java runtimes kept between builds
     * @param javaHome   the JDK whose jlink makes the worker's runtime
     * @param defaultJar the comfyfleet jar used when the recipe names none (the running one), or null
     * @param env        the builder's environment, for secret values
     */
    public ContextWriter(Path cacheDir, Path javaHome, Path defaultJar, UnaryOperator<String> env) {
        this.cacheDir = cacheDir;
        this.javaHome = javaHome;
        this.defaultJar = defaultJar;
        this.env = env;
    }

    /**
     * Writes the context into {@code dir} (emptied first).
     *
     * @throws ImageException naming the item at fault
     */
    public BuildContext write(Recipe recipe, Path dir) throws IOException {
        PathUtils.delete(dir);
        Files.createDirectories(dir);
        Map<Path, String> knownHashes = new HashMap<>();
        checkSecrets(recipe);

        Path jar = recipe.worker().jar().orElse(defaultJar);
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new ImageException("worker.jar: " + (jar == null ? "not given, and this program does not run from"
                    + " comfyfleet.jar" : jar + " does not exist") + "; build it with ./mvnw -pl comfyfleet-cli -am package"
                    + " -DskipTests and name comfyfleet-cli/target/comfyfleet.jar");
        }
        checkModels(recipe, dir, knownHashes);

        GitSources git = new GitSources(cacheDir);
        copySource("comfyui", recipe.comfyui().source(), dir.resolve("comfyui"), git);
        if (!Files.isRegularFile(dir.resolve("comfyui/main.py"))) {
            throw new ImageException("comfyui: " + recipe.comfyui().source().describe() + " has no main.py; is it ComfyUI?");
        }
        for (int i = 0; i < recipe.nodes().size(); i++) {
            Node n = recipe.nodes().get(i);
            copySource("nodes[" + i + "] (" + n.name() + ")", n.source(), dir.resolve("nodes").resolve(n.name()), git);
        }
        for (int i = 0; i < recipe.files().size(); i++) {
            FileCopy f = recipe.files().get(i);
            if (!Files.exists(f.source())) {
                throw new ImageException("files[" + i + "].from: " + f.source() + " does not exist");
            }
            ContextFiles.copyTree(f.source(), dir.resolve("files").resolve(Integer.toString(i)).resolve("content"));
        }

        List<String> requirements = requirements(recipe, dir);
        Path home = dir.resolve("comfyfleet");
        Files.createDirectories(home);
        if (!requirements.isEmpty()) {
            Files.writeString(home.resolve("requirements.txt"), String.join("\n", requirements) + "\n");
        }
        Files.copy(jar, home.resolve("comfyfleet.jar"));
        ContextFiles.copyTree(JavaRuntime.create(javaHome, recipe.worker().javaModules(), cacheDir), dir.resolve("java"));
        Files.writeString(home.resolve("models.json"), ModelManifest.of(recipe).toJson());
        Files.writeString(home.resolve("entrypoint.sh"), Entrypoint.script(recipe));
        home.resolve("entrypoint.sh").toFile().setExecutable(true, false);
        boolean urlBakes = recipe.models().stream().anyMatch(m -> m.placement() == Placement.BAKE && m.url() != null);
        if (urlBakes) {
            try (var in = ContextWriter.class.getResourceAsStream("fetch_model.py")) {
                Files.write(home.resolve("fetch_model.py"), in.readAllBytes());
            }
        }
        Files.writeString(dir.resolve("Containerfile"), containerfile(recipe, !requirements.isEmpty(), urlBakes));
        ContextFiles.normalize(dir);
        Set<String> secrets = new LinkedHashSet<>();
        recipe.run().forEach(r -> secrets.addAll(r.secrets()));
        recipe.models().stream().filter(m -> m.placement() == Placement.BAKE && m.secret() != null)
                .forEach(m -> secrets.add(m.secret()));
        return new BuildContext(dir, ContextFiles.digest(dir, knownHashes), List.copyOf(secrets));
    }

    private void checkSecrets(Recipe recipe) {
        for (Recipe.Secret s : recipe.secrets()) {
            String v = env.apply(s.env());
            if (v == null || v.isEmpty()) {
                throw new ImageException("secrets: '" + s.id() + "' reads the environment variable " + s.env()
                        + ", which is not set; export it before building");
            }
        }
    }

    private void checkModels(Recipe recipe, Path dir, Map<Path, String> knownHashes) throws IOException {
        for (int i = 0; i < recipe.models().size(); i++) {
            Model m = recipe.models().get(i);
            String item = "models[" + i + "] (" + m.id() + ")";
            if (m.placement() == Placement.VOLUME) {
                continue; // lives on the volume of the machine that runs the worker; checked at worker start
            }
            if (m.url() != null) {
                reachable(item, m, recipe);
                continue;
            }
            if (!Files.isRegularFile(m.path())) {
                throw new ImageException(item + ": source " + m.path() + " does not exist");
            }
            String actual = Hashing.sha256(m.path());
            if (!actual.equals(m.sha256())) {
                throw new ImageException(item + ": " + m.path() + " has sha256 " + actual + " but the recipe says "
                        + m.sha256() + "; fix models[" + i + "].sha256 or the file");
            }
            Path target = dir.resolve("models").resolve(m.folder()).resolve(m.name());
            Files.createDirectories(target.getParent());
            Files.copy(m.path(), target);
            knownHashes.put(target.toAbsolutePath(), actual);
        }
    }

    private void reachable(String item, Model m, Recipe recipe) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(m.url())).timeout(Duration.ofSeconds(30))
                .header("Range", "bytes=0-0").GET();
        if (m.secret() != null) {
            recipe.secret(m.secret()).ifPresent(s -> req.header("Authorization", "Bearer " + env.apply(s.env())));
        }
        try {
            HttpResponse<Void> r = http.send(req.build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() >= 400) {
                throw new ImageException(item + ": source " + m.url() + " answered HTTP " + r.statusCode()
                        + (r.statusCode() == 401 || r.statusCode() == 403 ? " (does it need a secret?)" : ""));
            }
        } catch (IOException e) {
            throw new ImageException(item + ": source " + m.url() + " is unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException(item + ": interrupted while checking " + m.url(), e);
        }
    }

    private static void copySource(String item, Recipe.Source source, Path dest, GitSources git) throws IOException {
        if (source.isGit()) {
            git.export(item, source.git(), source.commit(), dest);
        } else if (!Files.isDirectory(source.path())) {
            throw new ImageException(item + ": source folder " + source.path() + " does not exist");
        } else {
            ContextFiles.copyTree(source.path(), dest);
        }
    }

    private static List<String> requirements(Recipe recipe, Path dir) throws IOException {
        RequirementsMerger merger = new RequirementsMerger();
        Path comfyReq = dir.resolve("comfyui/requirements.txt");
        if (recipe.comfyui().requirements() && Files.isRegularFile(comfyReq)) {
            merger.add("comfyui", Files.readString(comfyReq));
        }
        for (Node n : recipe.nodes()) {
            Path req = dir.resolve("nodes").resolve(n.name()).resolve("requirements.txt");
            if (Files.isRegularFile(req)) {
                merger.add("node '" + n.name() + "'", Files.readString(req));
            }
        }
        merger.addRecipePins(recipe.pip().packages());
        return merger.merge();
    }

    static String containerfile(Recipe recipe, boolean requirements, boolean urlBakes) {
        List<String> lines = new ArrayList<>();
        lines.add("# Generated by `comfyfleet image build` from comfyfleet-image.yaml; do not edit.");
        lines.add("FROM " + recipe.base());
        // rarely changing layers first, so that a new node or model rebuilds only what follows it
        Set<String> apt = new java.util.TreeSet<>(recipe.apt());
        if (urlBakes) {
            apt.add("ca-certificates");
        }
        if (!apt.isEmpty()) {
            lines.add("RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
                    + String.join(" ", apt) + " && rm -rf /var/lib/apt/lists/*");
        }
        lines.add("COPY java " + HOME + "/java");
        if (requirements) {
            lines.add("COPY comfyfleet/requirements.txt " + HOME + "/requirements.txt");
            StringBuilder pip = new StringBuilder("RUN PIP_BREAK_SYSTEM_PACKAGES=1 " + recipe.python()
                    + " -m pip install --no-cache-dir");
            if (recipe.pip().indexUrl() != null) {
                pip.append(" --index-url ").append(recipe.pip().indexUrl());
            }
            recipe.pip().extraIndexUrls().forEach(u -> pip.append(" --extra-index-url ").append(u));
            lines.add(pip.append(" -r ").append(HOME).append("/requirements.txt").toString());
        }
        lines.add("COPY comfyui " + COMFYUI_DIR);
        if (!recipe.nodes().isEmpty()) {
            lines.add("COPY nodes " + COMFYUI_DIR + "/custom_nodes");
        }
        for (int i = 0; i < recipe.files().size(); i++) {
            lines.add("COPY files/" + i + "/content " + recipe.files().get(i).target());
        }
        for (RunStep step : recipe.run()) {
            StringBuilder run = new StringBuilder("RUN");
            // secrets are mounted for this step only, at /run/secrets/<id>: never written to a layer
            step.secrets().forEach(s -> run.append(" --mount=type=secret,id=").append(s));
            lines.add(run.append(' ').append(step.command()).toString());
        }
        if (recipe.models().stream().anyMatch(m -> m.placement() == Placement.BAKE && m.url() == null)) {
            lines.add("COPY models " + COMFYUI_DIR + "/models");
        }
        if (urlBakes) {
            lines.add("COPY comfyfleet/fetch_model.py " + HOME + "/fetch_model.py");
            for (Model m : recipe.models()) {
                if (m.placement() != Placement.BAKE || m.url() == null) {
                    continue;
                }
                String secret = m.secret() == null ? "" : " --mount=type=secret,id=" + m.secret();
                lines.add("RUN" + secret + " " + recipe.python() + " " + HOME + "/fetch_model.py " + Entrypoint.quote(m.url())
                        + " " + COMFYUI_DIR + "/models/" + m.folder() + "/" + m.name() + " " + m.sha256()
                        + (m.secret() == null ? "" : " /run/secrets/" + m.secret()));
            }
        }
        lines.add("COPY comfyfleet " + HOME);
        lines.add("ENV COMFYFLEET_COMFYUI_DIR=" + COMFYUI_DIR + " COMFYFLEET_PYTHON=" + recipe.python()
                + " COMFYFLEET_COMFYUI_PORT=" + COMFYUI_PORT + " COMFYFLEET_WORK_DIR=" + WORK_DIR
                + " COMFYFLEET_MODEL_CACHE=" + MODEL_CACHE + " COMFYFLEET_MODEL_VOLUME=" + recipe.volumePath());
        lines.add("ENTRYPOINT [\"" + HOME + "/entrypoint.sh\"]");
        return String.join("\n", lines) + "\n";
    }
}
