package io.comfyfleet.image.lock;

import io.comfyfleet.image.ImageException;
import io.comfyfleet.image.build.Hashing;
import io.comfyfleet.image.recipe.Recipe;
import io.comfyfleet.image.recipe.Recipe.ComfyUi;
import io.comfyfleet.image.recipe.Recipe.FileCopy;
import io.comfyfleet.image.recipe.Recipe.Model;
import io.comfyfleet.image.recipe.Recipe.Node;
import io.comfyfleet.image.recipe.Recipe.Pip;
import io.comfyfleet.image.recipe.Recipe.Placement;
import io.comfyfleet.image.recipe.Recipe.Source;
import io.comfyfleet.image.recipe.RecipeParser;
import io.comfyfleet.image.recipe.Requirement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code comfyfleet image lock}: turns a ComfyUI folder that works on someone's machine into a recipe. ComfyUI and
 * every custom node with a {@code .git} is locked to its remote and HEAD commit (a node without a remote to its own
 * folder as a local repository; a node without {@code .git} as a folder); single-file nodes become {@code files}
 * entries; every file under {@code models/} gets its folder and sha256, baked; with a Python, the packages that
 * ComfyUI's and the nodes' {@code requirements.txt} name are pinned to their installed versions.
 */
public final class ComfyFolderLocker {
    private final List<String> warnings = new ArrayList<>();

    /** What the lock could not pin exactly (uncommitted changes, requirements not installed), for the user to read. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /**
     * @param comfyDir    the ComfyUI folder
     * @param python      the Python that runs it here (for installed versions), or null to pin nothing
     * @param allPackages pin every installed package rather than only those the requirements name
     * @param base        the base image to write
     * @throws ImageException when the folder is not ComfyUI or git/python fail
     */
    public Recipe lock(Path comfyDir, String python, boolean allPackages, String base) throws IOException {
        Path dir = comfyDir.toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("main.py"))) {
            throw new ImageException("COMFYUI_DIR: " + dir + " has no main.py; give the ComfyUI folder");
        }
        Source comfySource = source("comfyui", dir);
        List<Node> nodes = new ArrayList<>();
        List<FileCopy> files = new ArrayList<>();
        TreeSet<String> wanted = new TreeSet<>(requirementNames(dir.resolve("requirements.txt")));
        Path custom = dir.resolve("custom_nodes");
        if (Files.isDirectory(custom)) {
            for (Path p : sorted(custom)) {
                String name = p.getFileName().toString();
                if (name.equals("__pycache__") || name.startsWith(".")) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    if (name.endsWith(".disabled")) {
                        continue; // ComfyUI Manager's way of switching a node off
                    }
                    nodes.add(new Node(name, source("custom_nodes/" + name, p)));
                    wanted.addAll(requirementNames(p.resolve("requirements.txt")));
                } else if (name.endsWith(".py")) {
                    files.add(new FileCopy(p, "/opt/ComfyUI/custom_nodes/" + name));
                }
            }
        }
        List<String> pins = python == null ? List.of() : pins(python, wanted, allPackages);
        return new Recipe(base, List.of(), "python3", new ComfyUi(comfySource, true, List.of()), nodes,
                new Pip(null, List.of(), pins), files, List.of(), models(dir.resolve("models")),
                RecipeParser.DEFAULT_VOLUME_PATH, List.of(), new Recipe.Worker(Optional.empty(),
                RecipeParser.DEFAULT_JAVA_MODULES, List.of()));
    }

    private Source source(String item, Path folder) {
        if (!Files.exists(folder.resolve(".git"))) {
            return Source.folder(folder);
        }
        String commit = git(folder, "rev-parse", "HEAD").strip();
        String remote = gitOptional(folder, "remote", "get-url", "origin");
        if (!gitOptional(folder, "status", "--porcelain", "--untracked-files=no").isBlank()) {
            warnings.add(item + ": has uncommitted changes; the recipe locks the commit " + commit + " without them");
        }
        if (remote.isBlank()) {
            warnings.add(item + ": has no 'origin' remote; locked to the local repository " + folder);
            return Source.git(folder.toString(), commit);
        }
        return Source.git(remote.strip(), commit);
    }

    private List<Model> models(Path modelsDir) throws IOException {
        List<Model> models = new ArrayList<>();
        if (!Files.isDirectory(modelsDir)) {
            return models;
        }
        List<Path> all;
        try (Stream<Path> s = Files.walk(modelsDir)) {
            all = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : all) {
            Path rel = modelsDir.relativize(file);
            String name = file.getFileName().toString();
            // ComfyUI ships empty "put_..._here" markers in every folder
            if (rel.getNameCount() < 2 || name.startsWith("put_") || name.startsWith(".")) {
                continue;
            }
            String folder = rel.getParent().toString();
            models.add(new Model(folder, name, null, file, Hashing.sha256(file), Placement.BAKE, null));
        }
        return models;
    }

    private List<String> pins(String python, TreeSet<String> wanted, boolean all) {
        String script = "import importlib.metadata as m\n"
                + "for d in m.distributions():\n"
                + "    n = d.metadata['Name']\n"
                + "    if n: print(n + '==' + d.version)\n";
        ProcessBuilder pb = new ProcessBuilder(python, "-c", script).redirectErrorStream(true);
        String out;
        try {
            Process p = pb.start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new ImageException("--python: " + python + " could not list its packages: " + out.strip());
            }
        } catch (IOException e) {
            throw new ImageException("--python: cannot run " + python + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("--python: interrupted", e);
        }
        Map<String, String> installed = new TreeMap<>();
        for (String line : out.split("\\R")) {
            int eq = line.indexOf("==");
            if (eq > 0) {
                installed.putIfAbsent(Requirement.normalize(line.substring(0, eq)), line.substring(eq + 2).strip());
            }
        }
        List<String> pins = new ArrayList<>();
        for (String name : all ? installed.keySet() : wanted) {
            String v = installed.get(name);
            if (v == null) {
                warnings.add("package '" + name + "' is required but not installed in " + python + "; pin it by hand");
            } else if (v.matches("[A-Za-z0-9_.!+-]+")) {
                pins.add(name + "==" + v);
            }
        }
        return pins;
    }

    private static List<String> requirementNames(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return names;
        }
        for (String line : Files.readAllLines(file)) {
            Requirement r = Requirement.parse(line.replaceAll("(^|\\s)#.*$", "").trim());
            if (r != null && !r.notForLinux()) {
                names.add(r.name());
            }
        }
        return names;
    }

    private static List<Path> sorted(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new ImageException(dir + ": '" + String.join(" ", cmd) + "' failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new ImageException("cannot run git (is it installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted running git", e);
        }
    }

    private static String gitOptional(Path dir, String... args) {
        try {
            return git(dir, args);
        } catch (ImageException e) {
            return "";
        }
    }
}
