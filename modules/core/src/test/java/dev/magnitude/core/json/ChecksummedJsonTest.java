package dev.magnitude.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.Variant;
import org.junit.jupiter.api.Test;

/**
 * The digests below were computed outside Java, with coreutils over the canonical form written out by hand:
 * {@code printf '{"a":1}' | sha256sum}.
 */
class ChecksummedJsonTest {
  /** sha256sum of the 7 bytes {"a":1}. */
  private static final String A1 = "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862";

  @Test
  void theChecksumIsTheSha256OfTheCompactObjectAndIsItsLastMember() {
    assertThat(ChecksummedJson.seal("{\"a\":1}")).isEqualTo("{\"a\":1,\"sha256\":\"" + A1 + "\"}");
    // an indented object keeps its layout; its canonical form is the same seven bytes
    assertThat(ChecksummedJson.seal("{\n  \"a\" : 1\n}\n"))
        .isEqualTo("{\n  \"a\" : 1,\n  \"sha256\" : \"" + A1 + "\"\n}");
    // printf '{}' | sha256sum
    assertThat(ChecksummedJson.seal("{}"))
        .isEqualTo("{\"sha256\":\"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\"}");
  }

  @Test
  void numbersKeepTheirTextAndStringsAreReescaped() {
    // printf '{"b":[1.0E-5,"x\u0000\"y"],"a":{}}' | sha256sum: order kept, no whitespace, NUL escaped as Jackson does
    String digest = "f1b15bf6abc5a908f37cb243abbd28e241bd392033f6562bf5036c119bf50598";
    assertThat(ChecksummedJson.seal("{ \"b\" : [ 1.0E-5, \"x\\u0000\\\"y\" ], \"a\" : { } }"))
        .endsWith("\"sha256\":\"" + digest + "\"}");
    // the same text whether é is escaped or not: printf '{"t":"é"}' | sha256sum (UTF-8)
    String e = "5a4e86c58f34a06c3644a4e4593bf6b0fbdf422ebe55ba69d8c0497ed221acad";
    String escaped = "{\"t\":\"\\u00e9\",\"sha256\":\"" + e + "\"}";
    assertThat(ChecksummedJson.verified(escaped, "x.json")).isSameAs(escaped);
    assertThat(ChecksummedJson.seal("{\"t\":\"\u00e9\"}")).endsWith(e + "\"}");
  }

  @Test
  void reformattingKeepsAFileValidAndAnyChangeOfContentDoesNot() {
    String sealed = ChecksummedJson.seal("{\"a\":1}");
    String reformatted = "{\n  \"a\": 1,\n  \"sha256\": \"" + A1 + "\"\n}\n";
    assertThat(ChecksummedJson.verified(reformatted, "x.json")).isSameAs(reformatted);

    assertThatThrownBy(() -> ChecksummedJson.verified(sealed.replace("\"a\":1", "\"a\":2"), "runs/r/spec.json"))
        .isInstanceOf(ChecksummedJson.DamagedFileException.class)
        // printf '{"a":2}' | sha256sum
        .hasMessage("runs/r/spec.json is damaged: its content has SHA-256 "
            + "7e8059f495589fcd981232cc11d00b00da3802c01d688fa1cf1f6bed6e5bb33c but its sha256 member says " + A1);
    // a flipped byte in the checksum itself
    assertThatThrownBy(() -> ChecksummedJson.verified(sealed.replace("015a", "015b"), "x.json"))
        .isInstanceOf(ChecksummedJson.DamagedFileException.class);
    assertThatThrownBy(() -> ChecksummedJson.verified(sealed.substring(0, sealed.length() - 9), "x.json"))
        .hasMessageStartingWith("x.json is damaged: it is not valid JSON");
    assertThatThrownBy(() -> ChecksummedJson.verified(sealed + "{}", "x.json"))
        .hasMessage("x.json is damaged: there is more after its JSON object");
    assertThatThrownBy(() -> ChecksummedJson.verified("{\"a\":1,\"sha256\":\"abc\"}", "x.json"))
        .hasMessage("x.json is damaged: its sha256 member is not one SHA-256 in hex");
    assertThatThrownBy(() -> ChecksummedJson.verified("", "x.json")).hasMessage("x.json is damaged: it is empty");
  }

  @Test
  void aFileWithoutTheMemberIsReadAsItIs() {
    String old = "{\"logitScale\":1.0,\"step\":500,\"variant\":\"doc-norm\"}";
    assertThat(ChecksummedJson.read(old, TrainedNormalization.class, "normalization.json"))
        .isEqualTo(new TrainedNormalization(Variant.DOC_NORM, 500, null, null, 1.0));
  }

  @Test
  void readersIgnoreTheMember() {
    TrainedNormalization n = new TrainedNormalization(Variant.LEARNED, 300, 0.25, 0.75, 2.0);
    String file = ChecksummedJson.write(n);
    assertThat(file).startsWith(n.toJson().substring(0, n.toJson().length() - 1) + ",\"sha256\":\"");
    assertThat(ChecksummedJson.read(file, TrainedNormalization.class, "n.json")).isEqualTo(n);
    // and so does older code, which reads with the plain mapper
    assertThat(TrainedNormalization.fromJson(file)).isEqualTo(n);
    assertThat(ChecksummedJson.read(ChecksummedJson.writePretty(n), TrainedNormalization.class, "n.json")).isEqualTo(n);
    assertThatThrownBy(() -> ChecksummedJson.seal(file)).hasMessage("the JSON already has a sha256 member");
    assertThatThrownBy(() -> ChecksummedJson.seal("[1]")).hasMessageStartingWith("only a JSON object");
  }
}
