package dev.magnitude.prepare.sts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Field splitting of STS lines, without Spark. */
class StsFieldsTest {
  @Test
  void tabSeparatedFieldsAreLiteral() {
    assertThat(StsFields.split("a\t\"b\tc\"\t", '\t')).containsExactly("a", "\"b", "c\"", "");
    assertThat(StsFields.split("", '\t')).containsExactly("");
  }

  @Test
  void csvFieldsMayBeQuoted() {
    assertThat(StsFields.split("\"a, b\",c,\"\"", ',')).containsExactly("a, b", "c", "");
    assertThat(StsFields.split("\"say \"\"hi\"\"\",x", ',')).containsExactly("say \"hi\"", "x");
    assertThat(StsFields.split("a,,b,", ',')).containsExactly("a", "", "b", "");
    // A quote inside an unquoted field, or after a space, is literal.
    assertThat(StsFields.split("it\"s, \"x\"", ',')).containsExactly("it\"s", " \"x\"");
    assertThat(StsFields.split("a;\"b;c\"", ';')).containsExactly("a", "b;c");
  }

  @Test
  void unclosedOrIllClosedQuotesAreMalformed() {
    assertThat(StsFields.split("\"open,b", ',')).isNull();
    assertThat(StsFields.split("\"ends with an escaped quote\"\"", ',')).isNull();
    assertThat(StsFields.split("\"closed\"x,b", ',')).isNull();
  }
}
