package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation holds together: every relative link of every Markdown file reaches a file, every
 * {@code #anchor} a heading of it, and nothing points outside the repository to a reference users never see.
 */
class DocsLinksTest {

    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*$");
    private static final Pattern FENCE = Pattern.compile("(?ms)^```.*?^```");
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", "target", "node_modules", "work");

    private final Path root = repositoryRoot();
    private final Map<Path, Set<String>> anchors = new HashMap<>();

    @Test
    void everyRelativeLinkReachesAFileAndEveryAnchorAHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path file : files(".md")) {
            String text = FENCE.matcher(Files.readString(file)).replaceAll("");
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                    continue; // http:, https:, mailto: ...: not ours to check here
                }
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                Path linked = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
                if (!Files.exists(linked)) {
                    broken.add(root.relativize(file) + ": no file " + target);
                } else if (hash >= 0 && linked.toString().endsWith(".md")
                        && !anchorsOf(linked).contains(target.substring(hash + 1))) {
                    broken.add(root.relativize(file) + ": no heading for " + target);
                }
            }
        }
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    void nothingPointsToTheReferenceOutsideTheRepository() throws IOException {
        List<String> outside = new ArrayList<>();
        List<Path> checked = new ArrayList<>(files(".md"));
        checked.addAll(files(".java"));
        for (Path file : checked) {
            String text = Files.readString(file);
            // spelled in two pieces so that this file does not find itself
            if (text.contains("../" + "shared") || text.contains("SPEC " + "\u00a7")) {
                outside.add(root.relativize(file).toString());
            }
        }
        assertThat(outside).as("files citing the reference outside the repository (write what users need into docs/ instead)").isEmpty();
    }

    @Test
    void anchorsFollowGitHubsSlugs() {
        assertThat(slug("MQTT 3.1.1")).isEqualTo("mqtt-311");
        assertThat(slug("Device to cloud: telemetry")).isEqualTo("device-to-cloud-telemetry");
        assertThat(slug("`gateway-core` — the domain")).isEqualTo("gateway-core--the-domain");
    }

    private Set<String> anchorsOf(Path markdown) {
        return anchors.computeIfAbsent(markdown, file -> {
            Set<String> found = new HashSet<>();
            try {
                Matcher m = HEADING.matcher(FENCE.matcher(Files.readString(file)).replaceAll(""));
                while (m.find()) {
                    String slug = slug(m.group(1));
                    // GitHub numbers repeated headings: slug, slug-1, slug-2 ...
                    String unique = slug;
                    for (int i = 1; !found.add(unique); i++) {
                        unique = slug + "-" + i;
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return found;
        });
    }

    /** GitHub's heading anchors: lower case, punctuation other than '-' and '_' dropped, spaces to '-'. */
    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                out.append(c);
            } else if (c == ' ') {
                out.append('-');
            }
        }
        return out.toString();
    }

    private List<Path> files(String suffix) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(suffix))
                    .filter(p -> {
                        for (Path part : root.relativize(p)) {
                            if (SKIPPED_DIRECTORIES.contains(part.toString())) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .toList();
        }
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
