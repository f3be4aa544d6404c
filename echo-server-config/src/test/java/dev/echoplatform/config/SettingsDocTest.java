package dev.echoplatform.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/echo-server.md's configuration table lists exactly the table's variables and defaults. */
class SettingsDocTest {

  @Test
  void theDocumentedTableIsTheTable() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "echo-server.md"));
    String section = doc.substring(doc.indexOf("\n## Configuration\n"));
    section = section.substring(0, section.indexOf("\n## ", 1));
    List<String> rows = section.lines().filter(l -> l.matches("\\| `[A-Z_]+` \\|.*")).toList();
    assertThat(rows)
        .extracting(r -> r.substring(3, r.indexOf('`', 3)))
        .containsExactlyInAnyOrder(
            java.util.Arrays.stream(Setting.values()).map(Setting::env).toArray(String[]::new));
    for (Setting s : Setting.values()) {
      String documented =
          s.defaultValue().isEmpty() ? " | empty | " : " | `" + s.defaultValue() + "` | ";
      assertThat(rows).as(s.env()).anyMatch(r -> r.startsWith("| `" + s.env() + "`" + documented));
    }
  }
}
