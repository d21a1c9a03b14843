package io.comfyfleet.image.recipe;

import io.comfyfleet.image.recipe.Recipe.ComfyUi;
import io.comfyfleet.image.recipe.Recipe.FileCopy;
import io.comfyfleet.image.recipe.Recipe.Model;
import io.comfyfleet.image.recipe.Recipe.Node;
import io.comfyfleet.image.recipe.Recipe.Pip;
import io.comfyfleet.image.recipe.Recipe.Placement;
import io.comfyfleet.image.recipe.Recipe.RunStep;
import io.comfyfleet.image.recipe.Recipe.Secret;
import io.comfyfleet.image.recipe.Recipe.Source;
import io.comfyfleet.image.recipe.Recipe.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads and validates {@code comfyfleet-image.yaml}. Every problem is reported at once, each naming its key (e.g.
 * {@code nodes[0].commit: must be a full 40-hex git commit}); unknown keys are errors, so a typo cannot silently drop
 * a model from the image. Relative paths are resolved against the recipe's folder. File contents are not read here:
 * hashes and sources are checked when the build context is written.
 */
public final class RecipeParser {
    /** The modules of the Java runtime when the recipe names none: what {@code comfyfleet worker} loads (jdeps). */
    public static final List<String> DEFAULT_JAVA_MODULES = List.of("java.base", "java.desktop", "java.instrument",
            "java.logging", "java.naming", "java.net.http", "java.rmi", "java.security.jgss", "java.sql", "java.xml",
            "jdk.management", "jdk.unsupported");
    public static final String DEFAULT_VOLUME_PATH = "/runpod-volume/models";

    static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern APT = Pattern.compile("[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+:~-]+)?");
    private static final Pattern PIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*(\\[[A-Za-z0-9_,.-]+])?==[A-Za-z0-9_.!+-]+");

    private final List<String> problems = new ArrayList<>();
    private final Path dir;

    private RecipeParser(Path dir) {
        this.dir = dir;
    }

    /**
     * @throws RecipeException listing every problem, each naming its key, or that the file cannot be read
     */
    public static Recipe parse(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new RecipeException(file.toString(), List.of("cannot read the recipe: " + e));
        }
        return parse(text, file.toAbsolutePath().getParent(), file.toString());
    }

    /** Parses {@code text}, resolving relative paths against {@code dir}; {@code name} labels the problems. */
    public static Recipe parse(String text, Path dir, String name) {
        JsonNode root;
        try {
            root = RecipeYaml.read(text);
        } catch (JacksonException e) {
            throw new RecipeException(name, List.of(RecipeYaml.problem(e)));
        }
        if (root == null || !root.isObject()) {
            throw new RecipeException(name, List.of("(top): must be a mapping with at least 'base' and 'comfyui'"));
        }
        RecipeParser p = new RecipeParser(dir.toAbsolutePath().normalize());
        Recipe recipe = p.recipe(root);
        if (!p.problems.isEmpty()) {
            throw new RecipeException(name, p.problems);
        }
        return recipe;
    }

    private Recipe recipe(JsonNode root) {
        keys(root, "", Set.of("base", "apt", "python", "comfyui", "nodes", "pip", "files", "run", "models", "volume",
                "secrets", "worker"));
        String base = requiredText(root, "base", "base", "e.g. 'base: localhost/debian:bookworm'");
        if (base != null && (base.isBlank() || base.chars().anyMatch(Character::isWhitespace))) {
            problem("base", "must be an image reference without spaces (got '" + base + "')");
        }
        Set<String> apt = new TreeSet<>();
        for (String pkg : texts(root, "apt", "apt")) {
            if (!APT.matcher(pkg).matches()) {
                problem("apt", "'" + pkg + "' is not a Debian package name (optionally name=version)");
            }
            apt.add(pkg);
        }
        String python = optionalText(root, "python", "python", "python3");
        ComfyUi comfyui = comfyui(root.get("comfyui"));
        List<Secret> secrets = secrets(root.get("secrets"));
        Set<String> secretIds = new HashSet<>();
        secrets.forEach(s -> secretIds.add(s.id()));
        List<Node> nodes = nodes(root.get("nodes"));
        Pip pip = pip(root.get("pip"));
        List<FileCopy> files = files(root.get("files"));
        List<RunStep> run = run(root.get("run"), secretIds);
        List<Model> models = models(root.get("models"), secretIds);
        String volumePath = DEFAULT_VOLUME_PATH;
        JsonNode volume = root.get("volume");
        if (volume != null && !volume.isNull()) {
            if (!volume.isObject()) {
                problem("volume", "must be a mapping, e.g. 'volume: {path: /runpod-volume/models}'");
            } else {
                keys(volume, "volume.", Set.of("path"));
                volumePath = absoluteImagePath(volume, "path", "volume.path", DEFAULT_VOLUME_PATH);
            }
        }
        Worker worker = worker(root.get("worker"));
        return new Recipe(base, List.copyOf(apt), python, comfyui, nodes, pip, files, run, models, volumePath, secrets,
                worker);
    }

    private ComfyUi comfyui(JsonNode node) {
        if (node == null || !node.isObject()) {
            problem("comfyui", "is required: 'comfyui: {path: ./ComfyUI}' or 'comfyui: {git: URL, commit: SHA}'");
            return null;
        }
        keys(node, "comfyui.", Set.of("git", "commit", "path", "requirements", "args"));
        Source source = source(node, "comfyui");
        boolean requirements = bool(node, "requirements", "comfyui.requirements", true);
        return new ComfyUi(source, requirements, texts(node, "args", "comfyui.args"));
    }

    private List<Node> nodes(JsonNode list) {
        List<Node> nodes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode n : items(list, "nodes")) {
            String key = "nodes[" + i++ + "]";
            if (!n.isObject()) {
                problem(key, "must be a mapping with name and git+commit or path");
                continue;
            }
            keys(n, key + ".", Set.of("name", "git", "commit", "path"));
            Source source = source(n, key);
            String name = optionalText(n, "name", key + ".name", null);
            if (name == null && source != null) {
                String from = source.isGit() ? source.git().replaceAll("/+$", "").replaceAll("\\.git$", "")
                        : source.path().getFileName().toString();
                name = from.substring(from.lastIndexOf('/') + 1);
            }
            if (name != null && !NAME.matcher(name).matches()) {
                problem(key + ".name", "must be a folder name of letters, digits, '.', '_' or '-' (got '" + name + "')");
            } else if (name != null && !names.add(name)) {
                problem(key + ".name", "'" + name + "' is given twice: every node needs its own custom_nodes folder");
            }
            if (source != null && name != null) {
                nodes.add(new Node(name, source));
            }
        }
        return nodes;
    }

    private Source source(JsonNode node, String key) {
        String git = optionalText(node, "git", key + ".git", null);
        String commit = optionalText(node, "commit", key + ".commit", null);
        String path = optionalText(node, "path", key + ".path", null);
        if ((git == null) == (path == null)) {
            problem(key, "give either git (with commit) or path, not " + (git == null ? "neither" : "both"));
            return null;
        }
        if (path != null) {
            if (commit != null) {
                problem(key + ".commit", "only goes with git; a path is copied as it is");
            }
            return Source.folder(dir.resolve(path).normalize());
        }
        if (commit == null || !COMMIT.matcher(commit).matches()) {
            problem(key + ".commit", "must be the full 40-hex commit of " + git
                    + " (a branch or tag would make the image change under the same recipe); got " + commit);
            return null;
        }
        return Source.git(gitUrl(git), commit);
    }

    /** A relative git location is a repository next to the recipe. */
    private String gitUrl(String git) {
        if (git.contains("://") || git.startsWith("git@") || git.startsWith("/")) {
            return git;
        }
        return dir.resolve(git).normalize().toString();
    }

    private Pip pip(JsonNode node) {
        if (node == null || node.isNull()) {
            return new Pip(null, List.of(), List.of());
        }
        if (!node.isObject()) {
            problem("pip", "must be a mapping with packages, indexUrl, extraIndexUrls");
            return new Pip(null, List.of(), List.of());
        }
        keys(node, "pip.", Set.of("indexUrl", "extraIndexUrls", "packages"));
        String index = optionalText(node, "indexUrl", "pip.indexUrl", null);
        if (index != null && !index.matches("https?://\\S+")) {
            problem("pip.indexUrl", "must be an http(s) URL (got '" + index + "')");
        }
        List<String> extra = texts(node, "extraIndexUrls", "pip.extraIndexUrls");
        for (String url : extra) {
            if (!url.matches("https?://\\S+")) {
                problem("pip.extraIndexUrls", "'" + url + "' is not an http(s) URL");
            }
        }
        Set<String> packages = new TreeSet<>();
        Set<String> seen = new HashSet<>();
        for (String pkg : texts(node, "packages", "pip.packages")) {
            if (!PIN.matcher(pkg).matches()) {
                problem("pip.packages", "'" + pkg + "' must be pinned as name==version (a lock file pins every package)");
                continue;
            }
            String name = Requirement.normalize(pkg.substring(0, pkg.indexOf("==")).replaceAll("\\[.*]", ""));
            if (!seen.add(name)) {
                problem("pip.packages", "'" + name + "' is pinned twice");
            }
            packages.add(pkg);
        }
        return new Pip(index, extra, List.copyOf(packages));
    }

    private List<FileCopy> files(JsonNode list) {
        List<FileCopy> files = new ArrayList<>();
        int i = 0;
        for (JsonNode n : items(list, "files")) {
            String key = "files[" + i++ + "]";
            if (!n.isObject()) {
                problem(key, "must be a mapping with from and to");
                continue;
            }
            keys(n, key + ".", Set.of("from", "to"));
            String from = requiredText(n, "from", key + ".from", "a file or folder next to the recipe");
            String to = absoluteImagePath(n, "to", key + ".to", null);
            if (from != null && to != null) {
                files.add(new FileCopy(dir.resolve(from).normalize(), to));
            }
        }
        return files;
    }

    private List<RunStep> run(JsonNode list, Set<String> secretIds) {
        List<RunStep> steps = new ArrayList<>();
        int i = 0;
        for (JsonNode n : items(list, "run")) {
            String key = "run[" + i++ + "]";
            if (n.isString()) {
                steps.add(new RunStep(n.asString(), List.of()));
                continue;
            }
            if (!n.isObject()) {
                problem(key, "must be a command, or a mapping with command and secrets");
                continue;
            }
            keys(n, key + ".", Set.of("command", "secrets"));
            String command = requiredText(n, "command", key + ".command", "a shell command");
            List<String> secrets = texts(n, "secrets", key + ".secrets");
            for (String s : secrets) {
                if (!secretIds.contains(s)) {
                    problem(key + ".secrets", "'" + s + "' is not declared under secrets (ids: " + new TreeSet<>(secretIds) + ")");
                }
            }
            if (command != null) {
                steps.add(new RunStep(command, secrets));
            }
        }
        return steps;
    }

    private List<Model> models(JsonNode list, Set<String> secretIds) {
        List<Model> models = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int i = 0;
        for (JsonNode n : items(list, "models")) {
            String key = "models[" + i++ + "]";
            if (!n.isObject()) {
                problem(key, "must be a mapping with folder, name, source, sha256 and placement");
                continue;
            }
            keys(n, key + ".", Set.of("folder", "name", "source", "sha256", "placement", "secret"));
            String folder = requiredText(n, "folder", key + ".folder", "the ComfyUI model folder, e.g. checkpoints or loras");
            if (folder != null && !folder.matches("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*") ) {
                problem(key + ".folder", "must be a ComfyUI model folder such as checkpoints or loras (got '" + folder + "')");
                folder = null;
            }
            String source = requiredText(n, "source", key + ".source", "an http(s) URL or a path next to the recipe");
            String name = optionalText(n, "name", key + ".name", null);
            if (name == null && source != null) {
                String s = source.replaceAll("[?#].*$", "");
                name = s.substring(s.lastIndexOf('/') + 1);
            }
            if (name != null && (!NAME.matcher(name).matches())) {
                problem(key + ".name", "must be a file name without '/' (got '" + name + "')");
                name = null;
            }
            String sha = optionalText(n, "sha256", key + ".sha256", null);
            if (sha == null || !SHA256.matcher(sha).matches()) {
                problem(key + ".sha256", "must be the file's sha256 as 64 lowercase hex digits"
                        + " (sha256sum FILE, or comfyfleet image lock); got " + sha);
                sha = null;
            }
            String placementText = optionalText(n, "placement", key + ".placement", "bake");
            Placement placement = null;
            try {
                placement = Placement.valueOf(placementText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problem(key + ".placement", "must be bake, volume or cache (got '" + placementText + "')");
            }
            String secret = optionalText(n, "secret", key + ".secret", null);
            if (secret != null && !secretIds.contains(secret)) {
                problem(key + ".secret", "'" + secret + "' is not declared under secrets");
            }
            String url = null;
            Path path = null;
            if (source != null) {
                if (source.startsWith("http://") || source.startsWith("https://")) {
                    url = source;
                } else if (source.contains("://")) {
                    problem(key + ".source", "must be an http(s) URL or a local path (got '" + source + "')");
                } else {
                    path = dir.resolve(source).normalize();
                }
            }
            if (placement == Placement.VOLUME && url != null) {
                problem(key + ".source", "a volume model is not fetched: give the path the file has on the volume,"
                        + " relative to volume.path (got a URL)");
            }
            if (placement == Placement.CACHE && url == null && source != null) {
                problem(key + ".source", "a cache model is fetched by each machine at worker start: give an http(s) URL");
            }
            if (placement == Placement.VOLUME && source != null && url == null) {
                path = Path.of(source).normalize(); // relative to the volume, not to the recipe
            }
            if (folder != null && name != null && !ids.add(folder + "/" + name)) {
                problem(key, "'" + folder + "/" + name + "' is listed twice");
            }
            if (folder != null && name != null && source != null && sha != null && placement != null) {
                models.add(new Model(folder, name, url, path, sha, placement, secret));
            }
        }
        return models;
    }

    private List<Secret> secrets(JsonNode list) {
        List<Secret> secrets = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int i = 0;
        for (JsonNode n : items(list, "secrets")) {
            String key = "secrets[" + i++ + "]";
            if (!n.isObject()) {
                problem(key, "must be a mapping with id and env, e.g. {id: hf_token, env: HF_TOKEN}");
                continue;
            }
            keys(n, key + ".", Set.of("id", "env"));
            String id = requiredText(n, "id", key + ".id", "e.g. hf_token");
            String env = requiredText(n, "env", key + ".env", "the builder's environment variable holding the value");
            if (id != null && !id.matches("[A-Za-z0-9_-]+")) {
                problem(key + ".id", "must be letters, digits, '_' or '-' (got '" + id + "')");
            } else if (id != null && !ids.add(id)) {
                problem(key + ".id", "'" + id + "' is declared twice");
            }
            if (env != null && !env.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                problem(key + ".env", "must be an environment variable name (got '" + env + "')");
            }
            if (id != null && env != null) {
                secrets.add(new Secret(id, env));
            }
        }
        return secrets;
    }

    private Worker worker(JsonNode node) {
        if (node == null || node.isNull()) {
            return new Worker(Optional.empty(), DEFAULT_JAVA_MODULES, List.of());
        }
        if (!node.isObject()) {
            problem("worker", "must be a mapping with jar, javaModules, args");
            return null;
        }
        keys(node, "worker.", Set.of("jar", "javaModules", "args"));
        String jar = optionalText(node, "jar", "worker.jar", null);
        List<String> modules = texts(node, "javaModules", "worker.javaModules");
        for (String m : modules) {
            if (!m.matches("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*")) {
                problem("worker.javaModules", "'" + m + "' is not a Java module name");
            }
        }
        return new Worker(Optional.ofNullable(jar).map(j -> dir.resolve(j).normalize()),
                modules.isEmpty() ? DEFAULT_JAVA_MODULES : new ArrayList<>(new TreeSet<>(modules)),
                texts(node, "args", "worker.args"));
    }

    // --- small readers that record a problem instead of throwing, so that every problem is reported at once ---

    private void keys(JsonNode node, String prefix, Set<String> known) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!known.contains(e.getKey())) {
                problem(prefix + e.getKey(), "unknown key; known here: " + new TreeSet<>(known));
            }
        }
    }

    private String requiredText(JsonNode node, String field, String key, String hint) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            problem(key, "is required (" + hint + ")");
            return null;
        }
        return text(v, key);
    }

    private String optionalText(JsonNode node, String field, String key, String fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        String t = text(v, key);
        return t == null ? fallback : t;
    }

    private String text(JsonNode v, String key) {
        if (!v.isValueNode()) {
            problem(key, "must be a single value, not a " + (v.isArray() ? "list" : "mapping"));
            return null;
        }
        String t = v.asString().trim();
        if (t.isEmpty()) {
            problem(key, "must not be empty");
            return null;
        }
        return t;
    }

    private String absoluteImagePath(JsonNode node, String field, String key, String fallback) {
        String p = fallback == null ? requiredText(node, field, key, "an absolute path in the image")
                : optionalText(node, field, key, fallback);
        if (p != null && (!p.startsWith("/") || p.contains("..") || p.chars().anyMatch(Character::isWhitespace))) {
            problem(key, "must be an absolute path in the image without spaces or '..' (got '" + p + "')");
            return null;
        }
        return p;
    }

    private boolean bool(JsonNode node, String field, String key, boolean fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            problem(key, "must be true or false (got '" + v.asString() + "')");
            return fallback;
        }
        return v.asBoolean();
    }

    private List<String> texts(JsonNode node, String field, String key) {
        JsonNode v = node.get(field);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            problem(key, "must be a list");
            return out;
        }
        int i = 0;
        for (JsonNode item : v) {
            String t = text(item, key + "[" + i++ + "]");
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    private List<JsonNode> items(JsonNode list, String key) {
        List<JsonNode> out = new ArrayList<>();
        if (list == null || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            problem(key, "must be a list");
            return out;
        }
        list.forEach(out::add);
        return out;
    }

    private void problem(String key, String message) {
        problems.add(key + ": " + message);
    }
}
