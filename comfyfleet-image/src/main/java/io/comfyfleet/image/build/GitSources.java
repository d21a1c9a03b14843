package io.comfyfleet.image.build;

import io.comfyfleet.image.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Gets one commit of a git repository as plain files (no {@code .git}): a bare mirror per URL is kept in the
 * cache folder, so a rebuild fetches nothing when the commit is already there.
 */
final class GitSources {
    private final Path cacheDir;

    GitSources(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    /**
     * Writes the files of {@code commit} into {@code dest}.
     *
     * @param item names the recipe item in messages, e.g. {@code nodes[0] (my-node)}
     * @throws ImageException naming the item when the repository is unreachable or lacks the commit
     */
    void export(String item, String url, String commit, Path dest) throws IOException {
        Path mirror = cacheDir.resolve("git").resolve(Hashing.sha256(url).substring(0, 16) + ".git");
        if (!Files.isDirectory(mirror)) {
            Files.createDirectories(mirror);
            Processes.check(mirror, List.of("git", "init", "--quiet", "--bare"), item + ": cannot create a git mirror");
        }
        if (!hasCommit(mirror, commit)) {
            Processes.Result one = Processes.run(mirror, List.of("git", "fetch", "--quiet", "--depth", "1", url, commit));
            if (one.exit() != 0 || !hasCommit(mirror, commit)) {
                Processes.Result all = Processes.run(mirror, List.of("git", "fetch", "--quiet", url,
                        "+refs/heads/*:refs/remotes/mirror/*", "+refs/tags/*:refs/tags/*"));
                if (all.exit() != 0) {
                    throw new ImageException(item + ": git source " + url + " is unreachable: " + all.output().strip());
                }
                if (!hasCommit(mirror, commit)) {
                    throw new ImageException(item + ": commit " + commit + " is not in " + url
                            + " (pushed? a full 40-hex commit?)");
                }
            }
        }
        Path tar = Files.createTempFile("comfyfleet-git", ".tar");
        try {
            Processes.check(mirror, List.of("git", "archive", "--format=tar", "-o", tar.toString(), commit),
                    item + ": cannot export " + commit);
            Files.createDirectories(dest);
            Processes.check(dest, List.of("tar", "-xf", tar.toString()), item + ": cannot unpack " + commit);
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    private static boolean hasCommit(Path mirror, String commit) {
        return Processes.run(mirror, List.of("git", "cat-file", "-e", commit + "^{commit}")).exit() == 0;
    }
}
