package io.comfyfleet.cli;

import io.comfyfleet.image.ImageException;
import io.comfyfleet.image.build.BuildContext;
import io.comfyfleet.image.build.ContextFiles;
import io.comfyfleet.image.build.ContextWriter;
import io.comfyfleet.image.build.ImageBuilder;
import io.comfyfleet.image.lock.ComfyFolderLocker;
import io.comfyfleet.image.models.ModelManifest;
import io.comfyfleet.image.models.ModelPreparer;
import io.comfyfleet.image.recipe.Recipe;
import io.comfyfleet.image.recipe.RecipeParser;
import io.comfyfleet.image.recipe.RecipeWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.commons.io.file.PathUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code comfyfleet image}: lock a ComfyUI folder into a recipe, build the worker image of a recipe (docs/images.md). */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Worker images: lock, build.",
        subcommands = {ImageCommand.Lock.class, ImageCommand.Build.class, ImageCommand.PrepareModels.class})
public final class ImageCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code comfyfleet image lock COMFYUI_DIR [-o FILE]}. */
    @Command(name = "lock", mixinStandardHelpOptions = true,
            description = "Write a comfyfleet-image.yaml recipe from an existing ComfyUI folder.")
    static final class Lock implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "COMFYUI_DIR", description = "The ComfyUI folder")
        Path comfyDir;
        @Option(names = {"-o", "--output"}, defaultValue = "comfyfleet-image.yaml", description = "Recipe to write (default ${DEFAULT-VALUE}; - for stdout)")
        String output;
        @Option(names = "--python", description = "The Python that runs this ComfyUI: pins the installed versions of the packages the requirements name")
        String python;
        @Option(names = "--all-packages", description = "With --python: pin every installed package")
        boolean allPackages;
        @Option(names = "--base", defaultValue = "localhost/debian:bookworm", description = "Base image to write (default ${DEFAULT-VALUE})")
        String base;

        @Override
        public Integer call() throws IOException {
            try {
                ComfyFolderLocker locker = new ComfyFolderLocker();
                Recipe recipe = locker.lock(comfyDir, python, allPackages, base);
                boolean stdout = output.equals("-");
                Path out = stdout ? null : Path.of(output).toAbsolutePath();
                String text = RecipeWriter.write(recipe, stdout ? Path.of("").toAbsolutePath() : out.getParent(),
                        "Locked by `comfyfleet image lock " + comfyDir + "`: commits, pins and sha256 of that folder.\n"
                                + "Edit base, apt and placement to taste; docs/images.md.");
                locker.warnings().forEach(w -> spec.commandLine().getErr().println("comfyfleet image lock: warning: " + w));
                if (stdout) {
                    spec.commandLine().getOut().print(text);
                } else {
                    Files.writeString(out, text);
                    spec.commandLine().getOut().println(out);
                }
                spec.commandLine().getOut().flush();
                return 0;
            } catch (ImageException e) {
                spec.commandLine().getErr().println("comfyfleet image lock: " + e.getMessage());
                return 1;
            }
        }
    }

    /** {@code comfyfleet image build RECIPE [--tag T] [--push] [--engine podman|docker]}. */
    @Command(name = "build", mixinStandardHelpOptions = true, description = "Build the worker image of a recipe;"
            + " the last line of stdout is the image reference.")
    static final class Build implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "RECIPE", description = "comfyfleet-image.yaml")
        Path recipeFile;
        @Option(names = "--tag", description = "Image reference (default localhost/comfyfleet-worker:<12 hex of the context digest>)")
        String tag;
        @Option(names = "--push", description = "Push the image after building")
        boolean push;
        @Option(names = "--engine", description = "podman or docker (default: podman when on PATH, else docker)")
        String engine;
        @Option(names = "--context", description = "Write the build context here and keep it (default: a temporary folder)")
        Path contextDir;
        @Option(names = "--context-only", description = "Write and check the context, print its digest, build nothing")
        boolean contextOnly;
        @Option(names = "--cache-dir", description = "Git mirrors and Java runtimes kept between builds (default COMFYFLEET_CACHE_DIR or ~/.cache/comfyfleet)")
        Path cacheDir;

        @Override
        public Integer call() throws IOException {
            Path dir = contextDir != null ? contextDir : Files.createTempDirectory("comfyfleet-image-context");
            try {
                Recipe recipe = RecipeParser.parse(recipeFile);
                ContextWriter writer = new ContextWriter(cacheDir(cacheDir), javaHome(), runningJar(), System::getenv);
                BuildContext context = writer.write(recipe, dir);
                var out = spec.commandLine().getOut();
                spec.commandLine().getErr().println("comfyfleet image build: context " + context.dir() + " digest " + context.digest());
                if (contextOnly) {
                    out.println(context.digest());
                    out.flush();
                    return 0;
                }
                String ref = tag != null ? tag : context.defaultTag();
                ImageBuilder builder = new ImageBuilder(engine != null ? engine : defaultEngine(), System.err);
                Map<String, String> secrets = new HashMap<>();
                for (Recipe.Secret s : recipe.secrets()) {
                    secrets.put(s.id(), System.getenv(s.env()));
                }
                builder.build(context, ref, secrets);
                if (push) {
                    builder.push(ref);
                }
                out.println(ref);
                out.flush();
                return 0;
            } catch (ImageException e) {
                spec.commandLine().getErr().println("comfyfleet image build: " + e.getMessage());
                return 1;
            } finally {
                if (contextDir == null) {
                    PathUtils.delete(dir);
                }
            }
        }
    }

    /** Run by the image's entrypoint: fetches cache models, checks volume models, writes extra_model_paths.yaml. */
    @Command(name = "prepare-models", mixinStandardHelpOptions = true, hidden = true,
            description = "Prepare the volume and cache models of an image (run by its entrypoint).")
    static final class PrepareModels implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--manifest", required = true)
        Path manifest;
        @Option(names = "--cache-dir", required = true)
        Path cacheDir;
        @Option(names = "--volume-dir", required = true)
        Path volumeDir;
        @Option(names = "--models-dir", required = true)
        Path modelsDir;
        @Option(names = "--extra-model-paths", required = true)
        Path extraModelPaths;

        @Override
        public Integer call() throws IOException {
            try {
                new ModelPreparer(cacheDir, volumeDir, modelsDir, System::getenv)
                        .prepare(ModelManifest.parse(Files.readString(manifest)), extraModelPaths);
                return 0;
            } catch (ImageException e) {
                spec.commandLine().getErr().println("comfyfleet image prepare-models: " + e.getMessage());
                return 1;
            }
        }
    }

    static Path cacheDir(Path given) {
        if (given != null) {
            return given.toAbsolutePath();
        }
        String env = System.getenv("COMFYFLEET_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("comfyfleet");
    }

    /** The JDK whose jlink makes the image's Java runtime: JAVA_HOME when it has jlink, else this JVM. */
    static Path javaHome() {
        String env = System.getenv("JAVA_HOME");
        if (env != null && Files.isExecutable(Path.of(env, "bin", "jlink"))) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("java.home"));
    }

    /** The comfyfleet jar this program runs from, or null (running from classes, as in tests). */
    static Path runningJar() {
        try {
            Path p = Path.of(ImageCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String defaultEngine() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "podman"))) {
                return "podman";
            }
        }
        return "docker";
    }
}
