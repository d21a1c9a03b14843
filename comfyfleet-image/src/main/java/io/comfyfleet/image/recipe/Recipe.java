package io.comfyfleet.image.recipe;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A validated {@code comfyfleet-image.yaml}: everything a worker image holds, pinned, so that the same recipe always
 * gives the same image. Paths are absolute (resolved against the recipe's folder). Built by {@link RecipeParser};
 * written back by {@link RecipeWriter}.
 *
 * @param base    the base image, e.g. {@code localhost/debian:bookworm} or a CUDA runtime image
 * @param apt     Debian/Ubuntu packages installed with apt-get (sorted, distinct)
 * @param python  the Python inside the image that runs ComfyUI's {@code main.py}
 * @param comfyui where ComfyUI comes from and how it starts
 * @param nodes   custom nodes, in recipe order (names distinct)
 * @param pip     extra Python packages, each pinned, and where pip finds them
 * @param files   extra files or folders copied into the image
 * @param run     extra shell steps run during the build, after the packages, with the build secrets they name
 * @param models  model files with their ComfyUI folder, source, sha256 and placement
 * @param volumePath where {@code volume} models are mounted in the container
 * @param secrets build secrets, by id, read from the builder's environment
 * @param worker  the ComfyFleet worker jar and its Java runtime
 */
public record Recipe(String base, List<String> apt, String python, ComfyUi comfyui, List<Node> nodes, Pip pip,
                     List<FileCopy> files, List<RunStep> run, List<Model> models, String volumePath,
                     List<Secret> secrets, Worker worker) {
    public Recipe {
        apt = List.copyOf(apt);
        nodes = List.copyOf(nodes);
        files = List.copyOf(files);
        run = List.copyOf(run);
        models = List.copyOf(models);
        secrets = List.copyOf(secrets);
    }

    /** Where ComfyUI and custom nodes come from: a git repository at one commit, or a local folder. */
    public record Source(String git, String commit, Path path) {
        public static Source git(String url, String commit) {
            return new Source(url, commit, null);
        }

        public static Source folder(Path path) {
            return new Source(null, null, path);
        }

        public boolean isGit() {
            return git != null;
        }

        /** For messages: the URL and commit, or the folder. */
        public String describe() {
            return isGit() ? git + " at " + commit : path.toString();
        }
    }

    /**
     * @param requirements whether ComfyUI's own {@code requirements.txt} is pip-installed (off when the base image
     *                     provides the packages, e.g. Debian's python3-torch)
     * @param args         extra arguments for {@code main.py}
     */
    public record ComfyUi(Source source, boolean requirements, List<String> args) {
        public ComfyUi {
            args = List.copyOf(args);
        }
    }

    /** A custom node: copied to {@code custom_nodes/<name>} without {@code .git}. */
    public record Node(String name, Source source) {}

    /** @param packages pinned requirements ({@code name==version}), sorted */
    public record Pip(String indexUrl, List<String> extraIndexUrls, List<String> packages) {
        public Pip {
            extraIndexUrls = List.copyOf(extraIndexUrls);
            packages = List.copyOf(packages);
        }
    }

    /** @param target an absolute path in the image */
    public record FileCopy(Path source, String target) {}

    /** @param secrets ids of build secrets mounted for this step only, at {@code /run/secrets/<id>} */
    public record RunStep(String command, List<String> secrets) {
        public RunStep {
            secrets = List.copyOf(secrets);
        }
    }

    /** Where a model lives: in the image, on a mounted volume, or in a node-local cache filled at worker start. */
    public enum Placement {
        BAKE, VOLUME, CACHE;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param folder    the ComfyUI model folder, e.g. {@code checkpoints}, {@code loras}
     * @param name      the file name ComfyUI lists
     * @param url       an http(s) source, or null
     * @param path      a local source, or null
     * @param sha256    64 lowercase hex digits
     * @param secret    a build secret id sent as {@code Authorization: Bearer} when fetching {@code url}, or null
     */
    public record Model(String folder, String name, String url, Path path, String sha256, Placement placement,
                        String secret) {
        /** {@code folder/name}, as messages name the model. */
        public String id() {
            return folder + "/" + name;
        }

        public String source() {
            return url != null ? url : path == null ? null : path.toString();
        }
    }

    /** @param env the builder's environment variable holding the secret's value */
    public record Secret(String id, String env) {}

    /**
     * @param jar         the comfyfleet jar put in the image; empty: the jar this program runs from
     * @param javaModules the modules of the Java runtime made with jlink
     * @param args        extra {@code comfyfleet worker} flags baked into the entrypoint
     */
    public record Worker(Optional<Path> jar, List<String> javaModules, List<String> args) {
        public Worker {
            javaModules = List.copyOf(javaModules);
            args = List.copyOf(args);
        }
    }

    public Optional<Secret> secret(String id) {
        return secrets.stream().filter(s -> s.id().equals(id)).findFirst();
    }
}
