package io.comfyfleet.image.build;

import io.comfyfleet.image.ImageException;
import io.comfyfleet.image.recipe.Requirement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Merges the {@code requirements.txt} of ComfyUI and every custom node with the recipe's own pins into one
 * pinned list. Two nodes that pin one package to different versions is an error naming both nodes and the
 * package; a package nobody pins is an error that says where to pin it. Range specifiers ({@code >=}) are left to
 * pip, which checks them against the chosen pin when it installs.
 */
final class RequirementsMerger {
    static final String RECIPE = "pip.packages";

    private record Wanted(String from, Requirement requirement) {}

    private final Map<String, List<Wanted>> byName = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();

    /** Adds one source's requirements: {@code from} names it in messages ({@code node 'x'}, {@code comfyui}). */
    void add(String from, String requirementsText) {
        int lineNo = 0;
        for (String raw : requirementsText.split("\\R")) {
            lineNo++;
            String line = raw.replaceAll("(^|\\s)#.*$", "").trim();
            if (line.isEmpty()) {
                continue;
            }
            Requirement r = line.startsWith("-") ? null : Requirement.parse(line);
            if (r == null) {
                problems.add(from + ": requirements.txt line " + lineNo + " '" + line + "' is not a plain"
                        + " 'name==version' requirement; pip options, includes and URLs cannot be locked: pin the"
                        + " package under pip.packages and remove the line");
                continue;
            }
            if (r.notForLinux()) {
                continue;
            }
            byName.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(new Wanted(from, r));
        }
    }

    /** Adds the recipe's own pins (already validated as {@code name==version}). */
    void addRecipePins(List<String> pins) {
        for (String pin : pins) {
            Requirement r = Requirement.parse(pin);
            byName.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(new Wanted(RECIPE, r));
        }
    }

    /**
     * @return sorted {@code name[extras]==version} lines
     * @throws ImageException listing every conflict (naming both sources and the package) and every unpinned package
     */
    List<String> merge() {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, List<Wanted>> e : byName.entrySet()) {
            String name = e.getKey();
            Map<String, Wanted> pins = new LinkedHashMap<>();
            Wanted recipePin = null;
            TreeSet<String> extras = new TreeSet<>();
            for (Wanted w : e.getValue()) {
                String extra = w.requirement().extras();
                if (!extra.isEmpty()) {
                    for (String x : extra.substring(1, extra.length() - 1).split(",")) {
                        if (!x.isBlank()) {
                            extras.add(x.trim());
                        }
                    }
                }
                String version = w.requirement().pinnedVersion();
                if (version == null) {
                    continue;
                }
                if (w.from().equals(RECIPE)) {
                    recipePin = w;
                } else {
                    pins.putIfAbsent(w.from(), w);
                }
            }
            String chosen = null;
            if (recipePin != null) {
                chosen = recipePin.requirement().pinnedVersion();
                for (Wanted w : pins.values()) {
                    if (!w.requirement().pinnedVersion().equals(chosen)) {
                        problems.add("package '" + name + "': " + w.from() + " pins ==" + w.requirement().pinnedVersion()
                                + " but " + RECIPE + " pins ==" + chosen + "; make them agree");
                    }
                }
            } else {
                Wanted first = null;
                for (Wanted w : pins.values()) {
                    if (first == null) {
                        first = w;
                        chosen = w.requirement().pinnedVersion();
                    } else if (!w.requirement().pinnedVersion().equals(chosen)) {
                        problems.add("package '" + name + "': " + first.from() + " pins ==" + chosen + " but "
                                + w.from() + " pins ==" + w.requirement().pinnedVersion()
                                + "; pin one version under " + RECIPE + " that both work with, and fix the other node");
                    }
                }
            }
            if (chosen == null) {
                TreeSet<String> from = new TreeSet<>();
                e.getValue().forEach(w -> from.add(w.from()));
                problems.add("package '" + name + "' (required by " + String.join(", ", from) + ") is not pinned: add '"
                        + name + "==VERSION' under " + RECIPE + " (comfyfleet image lock writes the installed versions)");
                continue;
            }
            lines.add(name + (extras.isEmpty() ? "" : "[" + String.join(",", extras) + "]") + "==" + chosen);
        }
        if (!problems.isEmpty()) {
            throw new ImageException("Python requirements cannot be locked:\n  " + String.join("\n  ", problems));
        }
        return lines;
    }
}
