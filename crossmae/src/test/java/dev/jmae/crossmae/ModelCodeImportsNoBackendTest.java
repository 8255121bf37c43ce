package dev.jmae.crossmae;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The crossmae module compiles against the gpu module only for its command line ({@code jmae devices},
 * {@code --matmul-precision}); model, data and training code reach devices through the tensor SPI
 * and {@code ServiceLoader}, never by importing a backend package.
 */
class ModelCodeImportsNoBackendTest {

    @Test
    void onlyTheCliImportsTheGpuModule() throws IOException {
        Path main = Path.of("src", "main", "java", "dev", "jmae", "crossmae");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.startsWith(main.resolve("cli")))
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains("import dev.jmae.gpu");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(Path::toString).toList();
        }
        assertEquals(List.of(), offenders, "files outside crossmae's cli package that import dev.jmae.gpu");
    }
}
